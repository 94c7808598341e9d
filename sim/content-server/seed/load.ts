import { SubType, type SimNode, type StoreData } from "../model";
import { Store, emptyStoreData, newToken, timestamp } from "../store";
import { createWorkspace } from "../workspaces";
import type { SeedData, SeedFolder } from "./types";

const SYSTEM_USER = 1000;

function seedNode(id: number, parentId: number, name: string, type: number, description = ""): SimNode {
  const now = timestamp();
  return {
    id,
    parentId,
    name,
    description,
    type,
    createDate: now,
    modifyDate: now,
    createUserId: SYSTEM_USER,
    modifyUserId: SYSTEM_USER,
    ownerUserId: SYSTEM_USER,
    token: newToken(),
    categories: {},
  };
}

/** Builds a fresh store from seed data (used when no persisted store exists). */
export function loadSeed(seed: SeedData): StoreData {
  const store = new Store(emptyStoreData());
  const data = store.data;
  for (const user of seed.users) data.users[String(user.id)] = { ...user };
  for (const group of seed.groups) data.groups[String(group.id)] = { ...group, memberIds: [...group.memberIds] };
  for (const client of seed.oauthClients)
    data.oauthClients[client.id] = { secret: client.secret, userId: client.userId };
  const addTree = (folder: SeedFolder, parentId: number) => {
    store.insertNode(seedNode(folder.id, parentId, folder.name, folder.type ?? SubType.Folder, folder.description));
    for (const child of folder.children ?? []) addTree(child, folder.id);
  };
  for (const volume of seed.volumes) addTree(volume, -1);
  for (const category of seed.categories) {
    store.insertNode(seedNode(category.id, category.parentId, category.name, SubType.Category));
    data.categories[String(category.id)] = { id: category.id, name: category.name, attributes: category.attributes };
  }
  for (const rm of seed.rmClassifications) {
    store.insertNode(seedNode(rm.id, rm.parentId, rm.name, rm.type ?? SubType.RmClassification));
    data.rmClassifications[String(rm.id)] = { id: rm.id, rsi: rm.rsi };
  }
  for (const map of seed.workflowMaps) {
    store.insertNode(seedNode(map.id, map.parentId, map.name, SubType.WorkflowMap, map.instructions));
    data.workflowMaps[String(map.id)] = {
      id: map.id,
      title: map.name,
      instructions: map.instructions,
      firstStepId: map.firstStepId,
      steps: map.steps,
      attributes: map.attributes,
    };
  }
  for (const type of seed.workspaceTypes) data.workspaceTypes[String(type.id)] = { ...type };
  data.nextId = Math.max(
    10000,
    ...Object.keys(data.nodes)
      .map(Number)
      .map((n) => n + 1),
  );
  for (const ws of seed.workspaces) {
    const type = data.workspaceTypes[String(ws.typeId)];
    createWorkspace(store, SYSTEM_USER, {
      id: ws.id,
      type,
      name: ws.name,
      description: ws.description,
      boId: ws.boId,
      categories: ws.categories,
    });
  }
  for (const hold of seed.holds) {
    const id = data.nextHoldId++;
    data.holds[String(id)] = {
      id,
      name: hold.name,
      type: hold.type,
      comment: hold.comment,
      dateApplied: timestamp().replace(/Z$/, ""),
      dateToRemove: null,
      alternateId: "",
      parentId: null,
      active: true,
    };
  }
  return data;
}
