/*
 * The demo seed: tenant "demo", domain "Demo" (normal workflow), "DemoSimple" (simple DRAFT↔APPROVED workflow, same
 * content) and an empty "Testdomain" (the domain OpenText's Postman collection imports into).
 * Ids are fixed so flows, tests and docs can refer to them.
 */
import type { SeedCommunication, SeedData } from "./model";

const BRAND_LOGO_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAKAAAAAoCAIAAAD2TmbPAAAAeUlEQVR42u3ZwQ0AEAxA0W5iI5PZWTeQHkSkeT/OFd6N2GpduALAAizAAqwnwGOu68tFAxZgARZgwIABAwYMGHBtr8oxzAEMGDBgwIABAwYDGAxgcwCbAxgwYMCAAXv095skwAIswIABAwYMGPCvwAIswAIswAKsYwmZ7OEjzoyVIQAAAABJRU5ErkJggg==";

const QUEUES = {
  print: "0b000000-0000-4000-8000-000000000001",
  email: "0b000000-0000-4000-8000-000000000002",
  sms: "0b000000-0000-4000-8000-000000000003",
};
const ALL_QUEUES = [QUEUES.print, QUEUES.email, QUEUES.sms];

/** Wraps a letter body with the shared opening and closing content blocks. */
function letter(title: string, body: string): string {
  return [
    "{{block:Brand Logo}}",
    `# ${title}`,
    "{{FirstName}} {{LastName}}\n{{AddressLine1}}\n{{PostalCode}} {{City}}\n{{Country}}",
    "{{block:Greeting}} {{FirstName}} {{LastName}},",
    body,
    "{{block:Customer Offer}}",
    "{{block:Closing}}",
    "{{block:Regulatory Disclosure}}",
    "{{block:Legal Disclaimer}}",
  ].join("\n\n");
}

function communication(
  n: number,
  c: Omit<
    SeedCommunication,
    "id" | "setId" | "driverId" | "sampleId" | "templateId" | "smsTemplateId" | "queueIds" | "flowModelId"
  >,
): SeedCommunication {
  const hex = n.toString(16).padStart(12, "0");
  return {
    id: `c0000000-0000-4000-8000-${hex}`,
    setId: `c5000000-0000-4000-8000-${hex}`,
    driverId: `d5000000-0000-4000-8000-${hex}`,
    sampleId: `5f000000-0000-4000-8000-${hex}`,
    templateId: `7e000000-0000-4000-8000-${hex}`,
    smsTemplateId: `7e500000-0000-4000-8000-${hex}`,
    flowModelId: `f0000000-0000-4000-8000-${hex}`,
    queueIds: ALL_QUEUES,
    ...c,
  };
}

export const DEMO_SEED: SeedData = {
  tenant: "demo",
  clients: [{ id: "exstream-sim", secret: "exstream-sim-secret" }, { id: "Exstream" }],
  users: [{ name: "demo-admin", password: "demo-admin-secret" }],
  domains: [
    {
      id: "Demo",
      description: "Demo communications (normal workflow)",
      workflow: "NORMAL",
      production: true,
      withContent: true,
    },
    {
      id: "DemoSimple",
      description: "Demo communications (simple workflow)",
      workflow: "SIMPLE",
      production: false,
      withContent: true,
    },
    {
      id: "Testdomain",
      description: "Empty domain for package imports",
      workflow: "NORMAL",
      production: false,
      withContent: false,
    },
  ],
  outputs: [
    { id: "0a000000-0000-4000-8000-000000000001", name: "PDF", driver: "PDF" },
    { id: "0a000000-0000-4000-8000-000000000002", name: "HTML Email", driver: "HTML" },
    { id: "0a000000-0000-4000-8000-000000000003", name: "Messaging", driver: "Messaging" },
  ],
  queues: [
    { id: QUEUES.print, name: "Print_PDF", outputId: "0a000000-0000-4000-8000-000000000001" },
    { id: QUEUES.email, name: "Email_HTML", outputId: "0a000000-0000-4000-8000-000000000002" },
    { id: QUEUES.sms, name: "SMS_Text", outputId: "0a000000-0000-4000-8000-000000000003" },
  ],
  report: { id: "d5100000-0000-4000-8000-000000000001", name: "Delivery_Log" },
  blocks: [
    {
      id: "b1000000-0000-4000-8000-000000000001",
      name: "Brand Logo",
      blockName: "Brand Logo",
      kind: "image",
      pngBase64: BRAND_LOGO_PNG,
    },
    {
      id: "b1000000-0000-4000-8000-000000000011",
      name: "Greeting (en)",
      blockName: "Greeting",
      kind: "message",
      rules: { language: "en" },
      text: "Dear",
    },
    {
      id: "b1000000-0000-4000-8000-000000000012",
      name: "Greeting (de)",
      blockName: "Greeting",
      kind: "message",
      rules: { language: "de" },
      text: "Sehr geehrte(r)",
    },
    {
      id: "b1000000-0000-4000-8000-000000000021",
      name: "Closing (en)",
      blockName: "Closing",
      kind: "message",
      rules: { language: "en" },
      text: "Kind regards,\nCustomer Service",
    },
    {
      id: "b1000000-0000-4000-8000-000000000022",
      name: "Closing (de)",
      blockName: "Closing",
      kind: "message",
      rules: { language: "de" },
      text: "Mit freundlichen Grüßen\nIhr Kundenservice",
    },
    {
      id: "b1000000-0000-4000-8000-000000000031",
      name: "Customer Offer (standard)",
      blockName: "Customer Offer",
      kind: "message",
      text: "Manage your account online at any time.",
    },
    {
      id: "b1000000-0000-4000-8000-000000000032",
      name: "Customer Offer (premium)",
      blockName: "Customer Offer",
      kind: "message",
      rules: { segment: "premium" },
      text: "As a premium customer you have a dedicated advisor: call us any time.",
    },
    {
      id: "b1000000-0000-4000-8000-000000000033",
      name: "Customer Offer (premium, de)",
      blockName: "Customer Offer",
      kind: "message",
      rules: { segment: "premium", language: "de" },
      text: "Als Premiumkunde steht Ihnen jederzeit Ihr persönlicher Berater zur Verfügung.",
    },
    {
      id: "b1000000-0000-4000-8000-000000000041",
      name: "Legal Disclaimer (en, US)",
      blockName: "Legal Disclaimer",
      kind: "disclaimer",
      rules: { language: "en", jurisdiction: "US" },
      text: "This notice is provided under the laws of the State of New York. Keep it for your records.",
    },
    {
      id: "b1000000-0000-4000-8000-000000000042",
      name: "Legal Disclaimer (en, UK)",
      blockName: "Legal Disclaimer",
      kind: "disclaimer",
      rules: { language: "en", jurisdiction: "UK" },
      text: "This notice is governed by the laws of England and Wales. Keep it for your records.",
    },
    {
      id: "b1000000-0000-4000-8000-000000000043",
      name: "Legal Disclaimer (de, DE)",
      blockName: "Legal Disclaimer",
      kind: "disclaimer",
      rules: { language: "de", jurisdiction: "DE" },
      text: "Es gilt das Recht der Bundesrepublik Deutschland. Bitte bewahren Sie dieses Schreiben auf.",
    },
    {
      id: "b1000000-0000-4000-8000-000000000044",
      name: "Legal Disclaimer (de, AT)",
      blockName: "Legal Disclaimer",
      kind: "disclaimer",
      rules: { language: "de", jurisdiction: "AT" },
      text: "Es gilt österreichisches Recht. Bitte bewahren Sie dieses Schreiben auf.",
    },
    {
      id: "b1000000-0000-4000-8000-000000000051",
      name: "Regulatory Disclosure (US)",
      blockName: "Regulatory Disclosure",
      kind: "disclaimer",
      rules: { jurisdiction: "US" },
      text: "Insurance products are regulated by the New York State Department of Financial Services.",
    },
    {
      id: "b1000000-0000-4000-8000-000000000052",
      name: "Regulatory Disclosure (UK)",
      blockName: "Regulatory Disclosure",
      kind: "disclaimer",
      rules: { jurisdiction: "UK" },
      text: "Authorised and regulated by the Financial Conduct Authority (FCA).",
    },
    {
      id: "b1000000-0000-4000-8000-000000000053",
      name: "Regulatory Disclosure (DE)",
      blockName: "Regulatory Disclosure",
      kind: "disclaimer",
      rules: { jurisdiction: "DE" },
      text: "Beaufsichtigt durch die Bundesanstalt für Finanzdienstleistungsaufsicht (BaFin).",
    },
    {
      id: "b1000000-0000-4000-8000-000000000054",
      name: "Regulatory Disclosure (AT)",
      blockName: "Regulatory Disclosure",
      kind: "disclaimer",
      rules: { jurisdiction: "AT" },
      text: "Beaufsichtigt durch die österreichische Finanzmarktaufsicht (FMA).",
    },
  ],
  // The sample customers are the demo Content Server's customers (business workspaces "Customer", CRM ids C-1001…
  // C-1003, same account numbers and languages); C-1004 is a private customer without a workspace yet.
  customers: [
    {
      CustomerId: "C-1001",
      AccountNumber: "ACC-1001",
      FirstName: "",
      LastName: "Acme Corporation",
      Email: "accounts@acme.example.test",
      Phone: "+1 212 555 0101",
      Language: "en",
      Jurisdiction: "US",
      Segment: "retail",
      Product: "auto",
      AddressLine1: "12 Park Avenue",
      City: "New York",
      PostalCode: "10016",
      Country: "US",
    },
    {
      CustomerId: "C-1002",
      AccountNumber: "ACC-1002",
      FirstName: "",
      LastName: "Globex Ltd",
      Email: "accounts@globex.example.test",
      Phone: "+44 20 7946 0102",
      Language: "en",
      Jurisdiction: "UK",
      Segment: "premium",
      Product: "life",
      AddressLine1: "221 Baker Street",
      City: "London",
      PostalCode: "NW1 6XE",
      Country: "UK",
    },
    {
      CustomerId: "C-1003",
      AccountNumber: "ACC-1003",
      FirstName: "",
      LastName: "Initech GmbH",
      Email: "buchhaltung@initech.example.test",
      Phone: "+49 30 5550103",
      Language: "de",
      Jurisdiction: "DE",
      Segment: "premium",
      Product: "home",
      AddressLine1: "Hauptstraße 5",
      City: "Berlin",
      PostalCode: "10115",
      Country: "DE",
    },
    {
      CustomerId: "C-1004",
      AccountNumber: "ACC-1004",
      FirstName: "Anna",
      LastName: "Gruber",
      Email: "anna.gruber@example.test",
      Phone: "+43 1 5550104",
      Language: "de",
      Jurisdiction: "AT",
      Segment: "retail",
      Product: "auto",
      AddressLine1: "Ringstraße 1",
      City: "Wien",
      PostalCode: "1010",
      Country: "AT",
    },
  ],
  communications: [
    communication(1, {
      name: "Monthly Statement",
      description: "Monthly account statement",
      documentType: "Statement",
      driverDataSource: "MonthlyStatementDriver",
      channel: "MonthlyStatementBatch",
      template: letter(
        "Monthly Statement",
        "Your statement for account {{AccountNumber}} dated {{StatementDate}} shows a closing balance of {{Balance}} {{Currency}}. Payment is due on {{DueDate}}.",
      ),
      smsTemplate:
        "Statement {{StatementDate}} for {{AccountNumber}}: balance {{Balance}} {{Currency}}, due {{DueDate}}.",
      sampleFields: [
        { StatementDate: "2025-05-31", Balance: "1,250.40", Currency: "USD", DueDate: "2025-06-15" },
        { StatementDate: "2025-05-31", Balance: "2,310.75", Currency: "GBP", DueDate: "2025-06-15" },
        { StatementDate: "2025-05-31", Balance: "980.00", Currency: "EUR", DueDate: "2025-06-15" },
        { StatementDate: "2025-05-31", Balance: "75.10", Currency: "EUR", DueDate: "2025-06-15" },
      ],
    }),
    communication(2, {
      name: "Policy Change Confirmation",
      description: "Confirms a change to an insurance policy",
      documentType: "PolicyChange",
      driverDataSource: "PolicyChangeDriver",
      channel: "PolicyChangeBatch",
      template: letter(
        "Policy Change Confirmation",
        "We confirm the following change to policy {{PolicyNumber}}: {{ChangeDescription}}. The change is effective from {{EffectiveDate}}; your new premium is {{NewPremium}} {{Currency}}.",
      ),
      smsTemplate: "Policy {{PolicyNumber}} changed ({{ChangeDescription}}) from {{EffectiveDate}}.",
      sampleFields: [
        {
          PolicyNumber: "POL-2001",
          ChangeDescription: "additional driver added",
          EffectiveDate: "2025-06-01",
          NewPremium: "84.20",
          Currency: "USD",
        },
        {
          PolicyNumber: "POL-2002",
          ChangeDescription: "beneficiary updated",
          EffectiveDate: "2025-06-01",
          NewPremium: "61.50",
          Currency: "GBP",
        },
        {
          PolicyNumber: "POL-2003",
          ChangeDescription: "Versicherungssumme erhöht",
          EffectiveDate: "2025-06-01",
          NewPremium: "42.00",
          Currency: "EUR",
        },
        {
          PolicyNumber: "POL-2004",
          ChangeDescription: "Adresse geändert",
          EffectiveDate: "2025-06-01",
          NewPremium: "39.90",
          Currency: "EUR",
        },
      ],
    }),
    communication(3, {
      name: "Claim Decision Letter",
      description: "Tells the customer the decision on a claim",
      documentType: "ClaimDecision",
      driverDataSource: "ClaimDecisionDriver",
      channel: "ClaimDecisionBatch",
      template: letter(
        "Claim Decision",
        "We have reviewed claim {{ClaimNumber}}. Decision: {{Decision}}. {{DecisionReason}} Approved amount: {{ApprovedAmount}} {{Currency}}.",
      ),
      smsTemplate: "Claim {{ClaimNumber}}: {{Decision}}. Details follow by letter.",
      sampleFields: [
        {
          ClaimNumber: "CLM-3001",
          Decision: "approved",
          DecisionReason: "The damage is covered by your policy.",
          ApprovedAmount: "2,400.00",
          Currency: "USD",
        },
        {
          ClaimNumber: "CLM-3002",
          Decision: "declined",
          DecisionReason: "The loss occurred before the policy start date.",
          ApprovedAmount: "0.00",
          Currency: "GBP",
        },
        {
          ClaimNumber: "CLM-3003",
          Decision: "genehmigt",
          DecisionReason: "Der Schaden ist durch Ihre Police gedeckt.",
          ApprovedAmount: "1,150.00",
          Currency: "EUR",
        },
        {
          ClaimNumber: "CLM-3004",
          Decision: "teilweise genehmigt",
          DecisionReason: "Ein Teil des Schadens ist gedeckt.",
          ApprovedAmount: "300.00",
          Currency: "EUR",
        },
      ],
    }),
    communication(4, {
      name: "Missing Information Request",
      description: "Asks the customer for documents missing from a claim",
      documentType: "InformationRequest",
      driverDataSource: "MissingInformationDriver",
      channel: "MissingInformationBatch",
      template: letter(
        "Missing Information Request",
        "To continue processing claim {{ClaimNumber}} we need the following: {{MissingItems}}. Please send them by {{ResponseDeadline}}.",
      ),
      smsTemplate: "Claim {{ClaimNumber}}: please send {{MissingItems}} by {{ResponseDeadline}}.",
      sampleFields: [
        { ClaimNumber: "CLM-4001", MissingItems: "police report, repair estimate", ResponseDeadline: "2025-06-30" },
        { ClaimNumber: "CLM-4002", MissingItems: "medical certificate", ResponseDeadline: "2025-06-30" },
        { ClaimNumber: "CLM-4003", MissingItems: "Kostenvoranschlag", ResponseDeadline: "2025-06-30" },
        { ClaimNumber: "CLM-4004", MissingItems: "Fotos des Schadens", ResponseDeadline: "2025-06-30" },
      ],
    }),
    communication(5, {
      name: "Settlement Notice",
      description: "Announces the settlement payment of a claim",
      documentType: "Settlement",
      driverDataSource: "SettlementNoticeDriver",
      channel: "SettlementNoticeBatch",
      template: letter(
        "Settlement Notice",
        "Claim {{ClaimNumber}} has been settled. We will pay {{SettlementAmount}} {{Currency}} to your account on {{PaymentDate}}.",
      ),
      smsTemplate: "Claim {{ClaimNumber}} settled: {{SettlementAmount}} {{Currency}} paid on {{PaymentDate}}.",
      sampleFields: [
        { ClaimNumber: "CLM-5001", SettlementAmount: "2,400.00", Currency: "USD", PaymentDate: "2025-06-10" },
        { ClaimNumber: "CLM-5002", SettlementAmount: "820.00", Currency: "GBP", PaymentDate: "2025-06-10" },
        { ClaimNumber: "CLM-5003", SettlementAmount: "1,150.00", Currency: "EUR", PaymentDate: "2025-06-10" },
        { ClaimNumber: "CLM-5004", SettlementAmount: "300.00", Currency: "EUR", PaymentDate: "2025-06-10" },
      ],
    }),
    communication(6, {
      name: "Follow-up Reminder",
      description: "Reminds the customer of an open request",
      documentType: "Reminder",
      driverDataSource: "FollowUpReminderDriver",
      channel: "FollowUpReminderBatch",
      template: letter(
        "Follow-up Reminder",
        "On {{OriginalRequestDate}} we asked you for information about {{ReferenceNumber}}. We have not received it yet; please reply by {{ReminderDeadline}}.",
      ),
      smsTemplate: "Reminder: reply about {{ReferenceNumber}} by {{ReminderDeadline}}.",
      sampleFields: [
        { ReferenceNumber: "CLM-4001", OriginalRequestDate: "2025-05-15", ReminderDeadline: "2025-06-30" },
        { ReferenceNumber: "CLM-4002", OriginalRequestDate: "2025-05-15", ReminderDeadline: "2025-06-30" },
        { ReferenceNumber: "CLM-4003", OriginalRequestDate: "2025-05-15", ReminderDeadline: "2025-06-30" },
        { ReferenceNumber: "CLM-4004", OriginalRequestDate: "2025-05-15", ReminderDeadline: "2025-06-30" },
      ],
    }),
  ],
};
