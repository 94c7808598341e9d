/** Flags given on the simulator command line (`--port 8181 --data dir --fail-rate 0.1` → {port: "8181", data: "dir", "fail-rate": "0.1"}). */
export type SimulatorFlags = Record<string, string | boolean | undefined>;

export interface RunningSimulator {
  /** The URL a client is configured with, e.g. http://127.0.0.1:8181/cs/cs or http://127.0.0.1:8282 */
  url: string;
  port: number;
  close(): Promise<void>;
}
