import type { AttributeDefinition } from "../model";
import type { SeedData } from "./types";

const ADMIN = 1000;
const DEFAULT_GROUP = 1001;
const INTEGRATION_USER = 1002;
const APPROVER = 1003;
const INTEGRATION_GROUP = 1010;
const CONTENT_APPROVERS = 1011;
const CASE_HANDLERS = 1012;

const text = (id: number, name: string, extra: Partial<AttributeDefinition> = {}): AttributeDefinition => ({
  id,
  name,
  type: "String",
  maxLength: 254,
  ...extra,
});

/**
 * The demo repository the example flows run against: one customer-communication category carrying the Exstream
 * manifest keys, a deployment-record category for governed content, Customer and Claim workspaces and the three
 * workflow maps the data flows start or serve.
 */
export const demoSeed: SeedData = {
  users: [
    {
      id: ADMIN,
      name: "Admin",
      password: "livelink",
      firstName: "",
      lastName: "Admin",
      email: "admin@example.com",
      groupId: DEFAULT_GROUP,
    },
    {
      id: INTEGRATION_USER,
      name: "otintegration",
      password: "integration",
      firstName: "Integration",
      lastName: "User",
      email: "integration@example.com",
      groupId: DEFAULT_GROUP,
    },
    {
      id: APPROVER,
      name: "jdoe",
      password: "livelink",
      firstName: "Jane",
      lastName: "Doe",
      email: "jane.doe@example.com",
      groupId: DEFAULT_GROUP,
    },
  ],
  groups: [
    { id: DEFAULT_GROUP, name: "DefaultGroup", memberIds: [ADMIN, INTEGRATION_USER, APPROVER] },
    { id: INTEGRATION_GROUP, name: "Integration", memberIds: [INTEGRATION_USER] },
    { id: CONTENT_APPROVERS, name: "Content Approvers", memberIds: [ADMIN, APPROVER] },
    { id: CASE_HANDLERS, name: "Case Handlers", memberIds: [ADMIN, APPROVER] },
  ],
  oauthClients: [{ id: "node-red", secret: "node-red-secret", userId: INTEGRATION_USER }],
  volumes: [
    {
      id: 2000,
      name: "Enterprise Workspace",
      type: 141,
      children: [
        { id: 2100, name: "Customers" },
        { id: 2200, name: "Claims" },
        {
          id: 2300,
          name: "Communications",
          children: [
            { id: 2301, name: "Archive" },
            { id: 2302, name: "Delivery Records" },
            { id: 2303, name: "Variants" },
          ],
        },
        {
          id: 2400,
          name: "Content Governance",
          children: [
            { id: 2401, name: "Approved Content" },
            { id: 2402, name: "Deployment Records" },
            { id: 2403, name: "Regulatory Wording" },
          ],
        },
        { id: 2500, name: "Workflow Maps" },
      ],
    },
    { id: 2004, name: "Categories", type: 133, children: [{ id: 2005, name: "Communications", type: 132 }] },
    { id: 2050, name: "Records Management", type: 550 },
    { id: 2060, name: "Classifications", type: 198, children: [{ id: 2061, name: "File Plan", type: 196 }] },
  ],
  categories: [
    {
      id: 3000,
      name: "Customer Communication",
      parentId: 2005,
      attributes: [
        text(2, "Customer ID", { required: true, maxLength: 64 }),
        text(3, "Account Number", { maxLength: 64 }),
        text(4, "Document Type"),
        { id: 5, name: "Delivery Date", type: "Date" },
        text(6, "Channel"),
        text(7, "Variant"),
        text(8, "Language", { maxLength: 16 }),
        text(9, "Jurisdiction"),
        text(10, "Communication ID"),
        text(11, "Content Versions", { multiValue: true, maxValues: 50 }),
        text(12, "SHA-256", { maxLength: 64 }),
        text(13, "Segment"),
        text(14, "Product"),
        text(15, "Communication Version"),
        text(16, "Delivery Status"),
        text(17, "Job ID"),
        text(18, "Customer Name"),
        text(19, "Retention Class"),
        { id: 20, name: "Page Count", type: "Integer" },
        {
          id: 21,
          name: "Delivery Events",
          type: "Set",
          maxValues: 20,
          attributes: [
            text(22, "Event Channel"),
            text(23, "Event Status"),
            { id: 24, name: "Event Date", type: "Date" },
            text(25, "Event Detail"),
          ],
        },
      ],
    },
    {
      id: 3100,
      name: "Exstream Deployment Record",
      parentId: 2005,
      attributes: [
        { id: 2, name: "Published to Exstream", type: "Boolean" },
        text(3, "Exstream Resource ID"),
        text(4, "Exstream Resource Version"),
        { id: 5, name: "Published Date", type: "Date" },
        text(6, "Resource Type"),
        text(7, "Approved By"),
        { id: 8, name: "Approval Date", type: "Date" },
        text(9, "Content Versions", { multiValue: true, maxValues: 50 }),
        text(10, "SHA-256", { maxLength: 64 }),
      ],
    },
    {
      id: 3200,
      name: "Customer",
      parentId: 2005,
      attributes: [
        text(2, "Customer ID", { required: true, maxLength: 64 }),
        text(3, "Customer Name"),
        text(4, "Account Number", { maxLength: 64 }),
        text(5, "Segment"),
        text(6, "Email"),
        text(7, "Preferred Channel"),
        text(8, "Language", { maxLength: 16 }),
      ],
    },
    {
      id: 3300,
      name: "Claim",
      parentId: 2005,
      attributes: [
        text(2, "Claim Number", { required: true, maxLength: 64 }),
        text(3, "Customer ID", { maxLength: 64 }),
        text(4, "Claim Status"),
        { id: 5, name: "Claim Date", type: "Date" },
        text(6, "Claim Type"),
      ],
    },
  ],
  workspaceTypes: [
    {
      id: 101,
      name: "Customer",
      templateId: 9101,
      locationId: 2100,
      categoryId: 3200,
      extSystemId: "CRM",
      boType: "Customer",
      subFolders: ["Correspondence", "Statements", "Contracts"],
      rmEnabled: true,
    },
    {
      id: 102,
      name: "Claim",
      templateId: 9102,
      locationId: 2200,
      categoryId: 3300,
      extSystemId: "CLAIMS",
      boType: "Claim",
      subFolders: ["Correspondence", "Evidence", "Assessments"],
      rmEnabled: true,
    },
  ],
  workspaces: [
    {
      id: 5001,
      typeId: 101,
      name: "Acme Corporation",
      boId: "C-1001",
      categories: {
        "3200": {
          "3200_2": "C-1001",
          "3200_3": "Acme Corporation",
          "3200_4": "ACC-1001",
          "3200_5": "Retail",
          "3200_7": "Email",
          "3200_8": "en",
        },
      },
    },
    {
      id: 5002,
      typeId: 101,
      name: "Globex Ltd",
      boId: "C-1002",
      categories: {
        "3200": {
          "3200_2": "C-1002",
          "3200_3": "Globex Ltd",
          "3200_4": "ACC-1002",
          "3200_5": "Business",
          "3200_7": "Print",
          "3200_8": "en",
        },
      },
    },
    {
      id: 5003,
      typeId: 101,
      name: "Initech GmbH",
      boId: "C-1003",
      categories: {
        "3200": {
          "3200_2": "C-1003",
          "3200_3": "Initech GmbH",
          "3200_4": "ACC-1003",
          "3200_5": "Business",
          "3200_7": "Email",
          "3200_8": "de",
        },
      },
    },
    {
      id: 5101,
      typeId: 102,
      name: "CLM-2024-0001",
      boId: "CLM-2024-0001",
      categories: {
        "3300": {
          "3300_2": "CLM-2024-0001",
          "3300_3": "C-1001",
          "3300_4": "Open",
          "3300_5": "2024-03-15",
          "3300_6": "Property",
        },
      },
    },
  ],
  workflowMaps: [
    {
      id: 2501,
      parentId: 2500,
      name: "Letter Generation",
      instructions: "Generate a customer letter with Exstream and archive it.",
      firstStepId: 10,
      attributes: [
        { id: 2, name: "Customer ID", type: "String", required: true },
        { id: 3, name: "Letter Type", type: "String" },
        { id: 4, name: "Communication ID", type: "String" },
        { id: 5, name: "Language", type: "String" },
        { id: 6, name: "Channel", type: "String" },
        { id: 7, name: "Generated Document ID", type: "Integer" },
        { id: 8, name: "Workspace ID", type: "Integer" },
        // The letter's content (the driver data of "Policy Change Confirmation"), filled in when the workflow starts.
        { id: 9, name: "Customer Name", type: "String" },
        { id: 10, name: "Jurisdiction", type: "String" },
        { id: 11, name: "Policy Number", type: "String" },
        { id: 12, name: "Change Description", type: "String" },
        { id: 13, name: "Effective Date", type: "String" },
        { id: 14, name: "New Premium", type: "String" },
        { id: 15, name: "Currency", type: "String" },
      ],
      steps: [
        {
          id: 10,
          name: "Generate Letter",
          instructions: "Generate and archive the letter.",
          assignee: { groupId: INTEGRATION_GROUP },
          next: 20,
          dispositions: [],
        },
        {
          id: 20,
          name: "Review Letter",
          instructions: "Check the generated letter.",
          assignee: { groupId: CONTENT_APPROVERS },
          next: null,
          dispositions: [
            { key: "Approve", label: "Approve", next: null },
            { key: "Reject", label: "Reject", next: 10 },
          ],
        },
      ],
    },
    {
      id: 2502,
      parentId: 2500,
      name: "Case Correspondence",
      instructions: "Produce correspondence for a claim and file it in the case workspace.",
      firstStepId: 10,
      attributes: [
        { id: 2, name: "Claim Number", type: "String", required: true },
        { id: 3, name: "Customer ID", type: "String" },
        { id: 4, name: "Letter Type", type: "String" },
        { id: 5, name: "Workspace ID", type: "Integer" },
        { id: 6, name: "Generated Document ID", type: "Integer" },
        // The letter's content (driver data of "Missing Information Request", "Claim Decision Letter", "Settlement
        // Notice"); "Letter Type" chooses the communication.
        { id: 7, name: "Customer Name", type: "String" },
        { id: 8, name: "Language", type: "String" },
        { id: 9, name: "Jurisdiction", type: "String" },
        { id: 10, name: "Missing Items", type: "String" },
        { id: 11, name: "Response Deadline", type: "String" },
        { id: 12, name: "Decision", type: "String" },
        { id: 13, name: "Decision Reason", type: "String" },
        { id: 14, name: "Amount", type: "String" },
        { id: 15, name: "Currency", type: "String" },
        { id: 16, name: "Payment Date", type: "String" },
      ],
      steps: [
        {
          id: 10,
          name: "Generate Case Letter",
          instructions: "Generate the letter and file it in the case.",
          assignee: { groupId: INTEGRATION_GROUP },
          next: 20,
          dispositions: [],
        },
        {
          id: 20,
          name: "Case Handler Review",
          instructions: "Review the correspondence.",
          assignee: { groupId: CASE_HANDLERS },
          next: 30,
          dispositions: [
            { key: "Approve", label: "Approve", next: 30 },
            { key: "Reject", label: "Reject", next: 10 },
          ],
        },
        {
          id: 30,
          name: "Send Correspondence",
          instructions: "Dispatch the approved letter.",
          assignee: { groupId: INTEGRATION_GROUP },
          next: null,
          dispositions: [],
        },
      ],
    },
    {
      id: 2503,
      parentId: 2500,
      name: "Template Approval",
      instructions: "Approve a template or text block and publish it to Exstream.",
      firstStepId: 10,
      attributes: [
        { id: 2, name: "Template Name", type: "String", required: true },
        { id: 3, name: "Resource Type", type: "String" },
        { id: 4, name: "Exstream Resource ID", type: "String" },
        { id: 5, name: "Exstream Resource Version", type: "String" },
        { id: 6, name: "Approver Comment", type: "String" },
      ],
      steps: [
        {
          id: 10,
          name: "Approve Template",
          instructions: "Approve or reject the attached content.",
          assignee: { groupId: CONTENT_APPROVERS },
          next: 20,
          dispositions: [
            { key: "Approve", label: "Approve", next: 20 },
            { key: "Reject", label: "Reject", next: null },
          ],
        },
        {
          id: 20,
          name: "Publish to Exstream",
          instructions: "Publish the approved content and record the deployment.",
          assignee: { groupId: INTEGRATION_GROUP },
          next: null,
          dispositions: [],
        },
      ],
    },
  ],
  rmClassifications: [
    { id: 2051, parentId: 2061, name: "Customer Correspondence", rsi: "CORR-10Y" },
    { id: 2052, parentId: 2061, name: "Claims Correspondence", rsi: "CLAIM-7Y" },
    { id: 2053, parentId: 2061, name: "Regulatory Evidence", rsi: "REG-EVID-10Y" },
    { id: 2054, parentId: 2061, name: "Supplier Correspondence", rsi: "SUPP-6Y", type: 199 },
  ],
  holds: [{ name: "Litigation 2024-017", type: "Legal", comment: "Demo legal hold" }],
};
