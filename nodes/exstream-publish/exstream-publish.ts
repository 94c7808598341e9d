import { defineNode } from "../lib/node-red/define-node";
import { PACKAGE_KIND, Publisher, kindOf } from "../lib/publish";
import type { ExstreamConfigNode } from "../exstream-config/types";
import type { ExstreamPublishDef, PublishMessage } from "./types";
import { migrations } from "./migrations";

export = defineNode<ExstreamPublishDef, Publisher>({
  type: "exstream-publish",
  migrations,
  setUp({ def, connection, t }) {
    const config = connection<ExstreamConfigNode>();
    return new Publisher(
      () => config!.getClient(),
      {
        kind: kindOf(def.resourceType, def.customType, def.customSubtype),
        workflow: def.workflow,
        contentType: def.contentType,
      },
      (problem) => t(`errors.${problem}`),
    );
  },
  working: (def) => (def.resourceType === PACKAGE_KIND ? "importing" : "publishing"),
  async run(msg: PublishMessage, publisher, { def, input }) {
    const publication = publisher.publication(msg);
    msg.exstream =
      def.resourceType === PACKAGE_KIND
        ? await publisher.importPackage(publication)
        : await publisher.publishResource(publication, {
            resourceId: await input(msg, "resourceId"),
            resourceName: await input(msg, "resourceName"),
          });
    return { status: msg.exstream.outcome, vars: { version: msg.exstream.version } };
  },
  close: (publisher) => publisher.close(),
});
