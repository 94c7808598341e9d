/** How the simulator writes dates: epoch ms (a real server's responses) or ISO date-time (the specs' type). */
export type DateStyle = "epoch" | "iso";

export function formatDate(ms: number | null, style: DateStyle): number | string | null {
  return ms === null || style === "epoch" ? ms : new Date(ms).toISOString();
}
