import type {
  AttributeDefinition,
  AttributeValue,
  SimGroup,
  SimUser,
  WorkflowAttribute,
  WorkflowStep,
  WorkspaceType,
} from "../model";

/** A folder (or other container) of the seed tree; ids are fixed so that documentation and tests can name them. */
export interface SeedFolder {
  id: number;
  name: string;
  type?: number;
  description?: string;
  children?: SeedFolder[];
}

export interface SeedCategory {
  id: number;
  name: string;
  /** Folder (in the Categories volume) holding the definition. */
  parentId: number;
  attributes: AttributeDefinition[];
}

export interface SeedWorkspace {
  id: number;
  typeId: number;
  name: string;
  description?: string;
  boId?: string;
  /** Nested per category, as the create call takes them: {"<catId>": {"<catId>_<attrId>": value}}. */
  categories?: Record<string, Record<string, AttributeValue>>;
}

export interface SeedWorkflowMap {
  id: number;
  parentId: number;
  name: string;
  instructions: string;
  firstStepId: number;
  steps: WorkflowStep[];
  attributes: WorkflowAttribute[];
}

export interface SeedData {
  users: SimUser[];
  groups: SimGroup[];
  oauthClients: Array<{ id: string; secret: string; userId: number }>;
  /** Top-level volumes (parent -1) and their folders. */
  volumes: SeedFolder[];
  categories: SeedCategory[];
  workspaceTypes: WorkspaceType[];
  workspaces: SeedWorkspace[];
  workflowMaps: SeedWorkflowMap[];
  /** RM classifications (subtype 551, the default) and classifications (199) with records management data. */
  rmClassifications: Array<{ id: number; parentId: number; name: string; rsi: string; type?: 551 | 199 }>;
  holds: Array<{ name: string; type: string; comment: string }>;
}
