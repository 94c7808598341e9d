/** The simulator's data model. Everything here is plain JSON so the store can be written to disk as is. */

export const SubType = {
  Folder: 0,
  Shortcut: 1,
  WorkflowMap: 128,
  Category: 131,
  CategoryFolder: 132,
  CategoriesVolume: 133,
  EnterpriseWorkspace: 141,
  PersonalWorkspace: 142,
  Document: 144,
  WorkflowVolume: 161,
  ClassificationTree: 196,
  ClassificationsVolume: 198,
  Classification: 199,
  RecordsManagementVolume: 550,
  RmClassification: 551,
  BusinessWorkspace: 848,
} as const;

export type AttributeType = "String" | "Integer" | "Date" | "Boolean" | "User" | "Set";

export interface AttributeDefinition {
  id: number;
  name: string;
  type: AttributeType;
  required?: boolean;
  multiValue?: boolean;
  /** Most values a multi-value attribute (or rows a set) may hold. */
  maxValues?: number;
  maxLength?: number;
  validValues?: string[];
  /** Children of a set. */
  attributes?: AttributeDefinition[];
}

export interface CategoryDefinition {
  id: number;
  name: string;
  attributes: AttributeDefinition[];
}

export type AttributeValue = string | number | boolean | null | Array<string | number | boolean | null>;

export interface AppliedCategory {
  /** Flat keys `{cat}_{attr}` and `{cat}_{set}_{row}_{attr}`. */
  values: Record<string, AttributeValue>;
  token: string;
}

export interface SimVersion {
  number: number;
  fileName: string;
  mimeType: string;
  size: number;
  sha256: string;
  /** File name inside the content directory. */
  contentFile: string;
  description: string;
  createDate: string;
  createUserId: number;
  major: number;
  minor: number;
  externalCreateDate?: string;
  externalModifyDate?: string;
}

export interface WorkspaceLink {
  typeId: number;
  templateId: number;
  extSystemId?: string;
  boType?: string;
  boId?: string;
}

export interface RmRecord {
  classificationId: number;
  token: string;
  recordDate: string;
  status: string;
  statusDate: string;
  essential: string;
  storage: string;
  official: boolean;
  rsi: string;
}

export interface SimNode {
  id: number;
  parentId: number;
  name: string;
  description: string;
  type: number;
  createDate: string;
  modifyDate: string;
  createUserId: number;
  modifyUserId: number;
  ownerUserId: number;
  token: string;
  hidden?: boolean;
  originalId?: number;
  versions?: SimVersion[];
  advancedVersioning?: boolean;
  categories: Record<string, AppliedCategory>;
  workspace?: WorkspaceLink;
  rm?: RmRecord;
  holdIds?: number[];
  externalCreateDate?: string;
  externalModifyDate?: string;
  externalSource?: string;
  externalIdentity?: string;
  externalIdentityType?: string;
}

export interface SimUser {
  id: number;
  name: string;
  password: string;
  firstName: string;
  lastName: string;
  email: string;
  groupId: number;
}

export interface SimGroup {
  id: number;
  name: string;
  memberIds: number[];
}

export interface WorkspaceType {
  id: number;
  name: string;
  templateId: number;
  /** Folder new workspaces of this type are created in. */
  locationId: number;
  categoryId?: number;
  extSystemId?: string;
  boType?: string;
  subFolders: string[];
  rmEnabled?: boolean;
}

export interface Assignee {
  userId?: number;
  groupId?: number;
}

export interface Disposition {
  key: string;
  label: string;
  /** Step the instance moves to; null ends it. */
  next: number | null;
}

export interface WorkflowStep {
  id: number;
  name: string;
  instructions: string;
  assignee: Assignee;
  /** Where a plain SendOn goes; null ends the instance. */
  next: number | null;
  dispositions: Disposition[];
}

export interface WorkflowAttribute {
  id: number;
  name: string;
  type: "String" | "Integer" | "Date" | "Boolean";
  required?: boolean;
  multiValue?: boolean;
}

export interface WorkflowMap {
  id: number;
  title: string;
  instructions: string;
  firstStepId: number;
  steps: WorkflowStep[];
  attributes: WorkflowAttribute[];
}

export interface ProcessStep {
  stepId: number;
  startDate: string;
  dueDate: string;
  assignee: Assignee;
  completedDate?: string;
  completedBy?: number;
  action?: string;
  comment?: string;
}

export type ProcessStatus = "draft" | "ontime" | "completed" | "stopped" | "suspended";

export interface SimProcess {
  id: number;
  mapId: number;
  title: string;
  status: ProcessStatus;
  initiatorId: number;
  createDate: string;
  dateInitiated?: string;
  dueDate?: string;
  attachmentFolderId: number;
  attributes: Record<string, AttributeValue>;
  current: ProcessStep[];
  completed: ProcessStep[];
  comments: Array<{ userId: number; date: string; text: string }>;
}

export interface SimHold {
  id: number;
  name: string;
  type: string;
  comment: string;
  dateApplied: string;
  dateToRemove: string | null;
  alternateId: string;
  parentId: number | null;
  active: boolean;
}

export interface RmClassification {
  id: number;
  rsi: string;
}

export interface StoreData {
  format: 1;
  nextId: number;
  nextHoldId: number;
  /** Signs tickets, so that they survive a restart with --data as real CS tickets do. */
  secret: string;
  nodes: Record<string, SimNode>;
  users: Record<string, SimUser>;
  groups: Record<string, SimGroup>;
  categories: Record<string, CategoryDefinition>;
  workspaceTypes: Record<string, WorkspaceType>;
  workflowMaps: Record<string, WorkflowMap>;
  processes: Record<string, SimProcess>;
  rmClassifications: Record<string, RmClassification>;
  holds: Record<string, SimHold>;
  /** Client id → secret for the OAuth2 client-credentials grant. */
  oauthClients: Record<string, { secret: string; userId: number }>;
}
