/**
 * The flow the soak runs: data flow 1 (exstream-output-watch → metadata-map → cs-archive, with the acknowledgement
 * wired back) as shipped in examples/01-archive-generated-communications.json. While that example does not exist
 * (it is written in parallel), an equivalent inline flow is used; the report says which one ran.
 *
 * Soak-only changes (timing only, never the logic): a shorter stability window, rescan and retry delay of the output
 * watch, and a lower back-off cap of the connection, so 5,000 communications fit into the time budget.
 */
import fs from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const EXAMPLE_FILE = path.join(REPO_ROOT, "examples", "01-archive-generated-communications.json");

export interface SoakFlow {
  /** "example" = examples/01-…json as shipped (plus the timing overrides); "inline" = the equivalent built here. */
  source: "example" | "inline";
  flows: any[];
  /** The cs-archive settings the verification needs (what it archives per communication, and the checksum). */
  archive: { related: string; includeDeliveryLog: boolean; category: string; checksumAttribute: string };
}

const WATCH_OVERRIDES: Record<string, string> = {
  stabilityWindowMs: "500",
  scanIntervalMs: "2000",
  retryDelayMs: "2000",
};
const CONNECTION_OVERRIDES: Record<string, string> = { retryMaxDelayMs: "5000" };

export function loadSoakFlow(): SoakFlow {
  const fromExample = fs.existsSync(EXAMPLE_FILE);
  const flows: any[] = fromExample ? JSON.parse(fs.readFileSync(EXAMPLE_FILE, "utf8")) : inlineFlow();
  const watches = flows.filter((n) => n.type === "exstream-output-watch");
  const archives = flows.filter((n) => n.type === "cs-archive" && (n.operation ?? "archive") === "archive");
  if (watches.length !== 1 || archives.length !== 1) {
    throw new Error(
      `data flow 1 needs one exstream-output-watch and one cs-archive (found ${watches.length}/${archives.length})`,
    );
  }
  Object.assign(watches[0], WATCH_OVERRIDES);
  for (const node of flows.filter((n) => n.type === "cs-config")) Object.assign(node, CONNECTION_OVERRIDES);
  const archive = archives[0];
  if (!archive.category || !archive.checksumAttribute) {
    throw new Error("the flow's cs-archive must store a SHA-256 attribute (category + checksumAttribute)");
  }
  return {
    source: fromExample ? "example" : "inline",
    flows,
    archive: {
      related: archive.related ?? "none",
      includeDeliveryLog: archive.includeDeliveryLog !== false,
      category: archive.category,
      checksumAttribute: archive.checksumAttribute,
    },
  };
}

/** Data flow 1 as the example describes it, with the shared config node and the house wiring (done line, errors). */
function inlineFlow(): any[] {
  const z = "df01-tab";
  const key = (target: string, source: string, extra: Record<string, unknown> = {}) => ({
    target,
    sourceType: "key",
    source,
    ...extra,
  });
  return [
    { id: z, type: "tab", label: "DF1 · Archive generated communications (soak inline)", disabled: false, info: "" },
    {
      id: "cs-config-demo",
      type: "cs-config",
      name: "Content Server",
      baseUrl: "${CS_URL}",
      authMode: "${CS_AUTH_MODE}",
      otdsUrl: "",
      domain: "",
      timeoutMs: "60000",
      maxConcurrent: "4",
      retryAttempts: "4",
      retryBaseDelayMs: "500",
      retryMaxDelayMs: "30000",
      credentials: { username: "${CS_USERNAME}", password: "${CS_PASSWORD}" },
    },
    {
      id: "df01-watch",
      type: "exstream-output-watch",
      z,
      name: "Exstream output",
      source: "folder",
      server: "",
      root: "EXSTREAM_OUTPUT_ROOT",
      rootType: "env",
      watchMethod: "events",
      scanIntervalMs: "5000",
      stabilityWindowMs: "2000",
      manifestName: "_STDDELIVERYFILE.xml",
      manifestAttempts: "3",
      maxConcurrentManifests: "2",
      emitPer: "communication",
      primaryQueue: "",
      channelMap: "",
      deliveryLogReport: "",
      maxInFlight: "8",
      ackTimeoutMs: "600000",
      maxAttempts: "5",
      retryDelayMs: "30000",
      ledgerName: "df01",
      ledgerDir: "",
      retainDays: "30",
      pollIntervalMs: "30000",
      startFrom: "all",
      x: 140,
      y: 120,
      wires: [["df01-map"], ["df01-errors"]],
    },
    {
      id: "df01-map",
      type: "metadata-map",
      z,
      name: "keys → Customer Communication",
      server: "cs-config-demo",
      mode: "category",
      category: "Customer Communication",
      rules: [
        key("Customer ID", "CustomerId"),
        key("Account Number", "AccountNumber"),
        key("Document Type", "DocumentType"),
        key("Channel", "Channel"),
        key("Language", "Language"),
        key("Jurisdiction", "Jurisdiction"),
        key("Variant", "Variant"),
        key("Segment", "Segment"),
        key("Product", "Product"),
        key("Communication ID", "CommunicationId"),
        key("Communication Version", "CommunicationVersion"),
        key("Content Versions", "ContentVersions", { separator: ";" }),
        key("Page Count", "TotalPagesInDocument"),
        { target: "Job ID", sourceType: "msg", source: "document.job.jobId" },
      ],
      dateOrder: "",
      truncate: false,
      output: "",
      x: 360,
      y: 120,
      wires: [["df01-archive"]],
    },
    {
      id: "df01-archive",
      type: "cs-archive",
      z,
      name: "archive",
      server: "cs-config-demo",
      operation: "archive",
      targetType: "path",
      folderId: "",
      folderIdType: "num",
      rootId: "2000",
      rootIdType: "num",
      folderPath: "Communications/Archive/{{document.job.jobId}}",
      folderPathType: "str",
      extSystemId: "",
      boType: "",
      boId: "document.keys.CustomerId",
      boIdType: "msg",
      workspaceType: "",
      workspaceName: "",
      workspaceNameType: "msg",
      subFolder: "",
      nameTemplate: "",
      existsPolicy: "version",
      category: "Customer Communication",
      checksumAttribute: "SHA-256",
      verifyChecksum: false,
      rmClassification: "",
      hold: "",
      related: "beside",
      includeDeliveryLog: true,
      recordFolderTemplate: "",
      forbiddenCharacters: ':/\\*?"<>|',
      replacement: "_",
      maxNameLength: "248",
      ambiguousSettleMs: "1000",
      nodeId: "cs.nodeId",
      nodeIdType: "msg",
      x: 580,
      y: 120,
      wires: [["df01-watch", "df01-line"]],
    },
    {
      id: "df01-line",
      type: "change",
      z,
      name: "one line",
      rules: [
        {
          t: "set",
          p: "payload",
          pt: "msg",
          to: '"DF1 archived " & cs.name & " → node " & $string(cs.nodeId) & " (" & cs.outcome & ")"',
          tot: "jsonata",
        },
      ],
      x: 780,
      y: 120,
      wires: [["df01-done"]],
    },
    {
      id: "df01-done",
      type: "debug",
      z,
      name: "archived",
      active: true,
      tosidebar: true,
      console: true,
      tostatus: false,
      complete: "payload",
      targetType: "msg",
      x: 960,
      y: 120,
      wires: [],
    },
    {
      id: "df01-catch",
      type: "catch",
      z,
      name: "archive path failed",
      scope: ["df01-map", "df01-archive"],
      uncaught: false,
      x: 360,
      y: 200,
      wires: [["df01-watch", "df01-errors"]],
    },
    {
      id: "df01-errors",
      type: "debug",
      z,
      name: "errors",
      active: true,
      tosidebar: true,
      console: true,
      tostatus: false,
      complete: "true",
      targetType: "full",
      x: 580,
      y: 200,
      wires: [],
    },
  ];
}
