import type { NodeAPI } from "node-red";
import { FileStateStore } from "../lib/state";
import { expandEnvPlaceholders } from "../lib/node-red/env";
import { SharedPostgresStore, parsePostgresSettings } from "../lib/node-red/state-config";
import type { StateConfigCredentials, StateConfigDef, StateConfigNode } from "./types";

export = function (RED: NodeAPI): void {
  function CcmState(this: StateConfigNode, def: StateConfigDef): void {
    RED.nodes.createNode(this, def);
    const expand = (value: string | undefined) => expandEnvPlaceholders(value, RED, this);
    const kind = expand(def.kind) === "postgresql" ? "postgresql" : "file";
    if (kind === "file") {
      this.openStore = () => new FileStateStore();
      return;
    }
    const shared = new SharedPostgresStore(parsePostgresSettings(def, this.credentials ?? {}, expand), {
      warn: (message) => this.warn(message),
      log: (message) => this.log(message),
    });
    this.openStore = () => shared.open();
    this.on("close", (done: () => void) => {
      shared.close().then(done, done);
    });
  }

  RED.nodes.registerType<StateConfigNode, StateConfigDef, object, StateConfigCredentials>("ccm-state", CcmState, {
    credentials: { user: { type: "text" }, password: { type: "password" } },
  });
};
