import type { SeedData } from "./types";

/** Just the Enterprise Workspace and the Admin user. */
export const emptySeed: SeedData = {
  users: [
    { id: 1000, name: "Admin", password: "livelink", firstName: "", lastName: "Admin", email: "", groupId: 1001 },
  ],
  groups: [{ id: 1001, name: "DefaultGroup", memberIds: [1000] }],
  oauthClients: [],
  volumes: [{ id: 2000, name: "Enterprise Workspace", type: 141 }],
  categories: [],
  workspaceTypes: [],
  workspaces: [],
  workflowMaps: [],
  rmClassifications: [],
  holds: [],
};
