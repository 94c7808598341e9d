export { Publisher, type Publication, type PublisherOptions } from "./publisher";
export { DomainWorkflows } from "./domain-workflows";
export { KeyedQueue } from "./keyed-queue";
export {
  PACKAGE_KIND,
  PACKAGE_MIME_TYPE,
  RESOURCE_KINDS,
  contentTypeOf,
  kindOf,
  type ResourceKind,
} from "./resource-kinds";
export * from "./types";
