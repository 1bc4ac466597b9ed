// One believable consulting firm ("Meridian Partners"), generated deterministically, from which every
// sandbox builds its vendor-shaped records — so the same customers are Salesforce Accounts and NetSuite
// customers, the same consultants are Workday workers and PSA users, and projects, time and invoices
// line up across PSA and ERP. Dates are relative to a fixed "as of" day so the seed never drifts.
import { Rng } from "./random";

export const FIRM_AS_OF = "2026-05-15";

/**
 * The Salesforce id of the firm's n-th record of a key prefix ("001" Account, "006" Opportunity, "005"
 * User): the Salesforce sandbox issues it and the other vendors' sandboxes hold it as their external
 * reference, so cross-system lookups line up.
 */
export function sfId(prefix: string, n: number): string {
  return `${prefix}Wf0${String(n).padStart(9, "0")}AAA`;
}

export interface FirmCustomer {
  n: number;
  code: string; // CUST-1001
  name: string;
  industry: string;
  city: string;
  country: string;
  currency: "USD" | "GBP" | "CAD" | "EUR";
  taxNumber: string;
  paymentTermsDays: number;
  website: string;
  parentN?: number;
  contacts: Array<{ n: number; firstName: string; lastName: string; email: string; title: string }>;
}

export interface FirmSkill {
  id: string;
  name: string;
  level: number;
}

export interface FirmConsultant {
  n: number;
  wid: string; // Workday ID (32 hex)
  employeeId: string; // E10001
  firstName: string;
  lastName: string;
  email: string;
  title: Title;
  practice: string;
  costCenter: { id: string; name: string };
  location: { id: string; name: string; country: string; currency: FirmCustomer["currency"] };
  managerN?: number;
  hireDate: string;
  employmentType: "Full time" | "Part time";
  weeklyCapacityHours: number;
  skills: FirmSkill[];
  costRate: number;
  billRate: number;
}

export interface FirmOpportunity {
  n: number;
  customerN: number;
  name: string;
  service: string;
  stage: string;
  probability: number;
  isClosed: boolean;
  isWon: boolean;
  closeDate: string;
  amount: number;
  billingType: BillingType;
  ownerN: number;
  createdAt: string;
  lastModified: string;
}

export type BillingType = "time_and_materials" | "fixed_fee" | "milestone" | "retainer";

export interface FirmStory {
  n: number;
  projectN: number;
  parentN?: number;
  title: string;
  type: "task" | "deliverable" | "milestone";
  start: string;
  due: string;
  estimateMinutes: number;
  budgetCents: number;
  billable: boolean;
  state: "not started" | "started" | "completed";
}

export interface FirmProject {
  n: number;
  code: string; // PRJ-2001
  name: string;
  customerN: number;
  opportunityN: number;
  billingType: BillingType;
  currency: FirmCustomer["currency"];
  start: string;
  end: string;
  status: "active" | "completed";
  budget: number;
  budgetHours: number;
  pmN: number;
  rateCardN: number;
  stories: FirmStory[];
  milestones: Array<{ n: number; storyN: number; title: string; date: string; amount: number; invoiceN?: number }>;
}

export interface FirmAssignment {
  n: number;
  projectN: number;
  storyN: number;
  consultantN: number;
  role: Title;
  billRate: number;
  costRate: number;
  allocatedMinutes: number;
}

export interface FirmTimeEntry {
  n: number;
  projectN: number;
  storyN: number;
  consultantN: number;
  assignmentN: number;
  date: string;
  minutes: number;
  billable: boolean;
  billRate: number;
  costRate: number;
  currency: string;
  notes: string;
  approved: boolean;
  submitted: boolean;
  invoiceN?: number;
}

export interface FirmExpense {
  n: number;
  projectN: number;
  consultantN: number;
  date: string;
  category: string;
  amount: number;
  currency: string;
  billable: boolean;
  reimbursable: boolean;
  approved: boolean;
  invoiceN?: number;
}

export interface FirmInvoice {
  n: number;
  number: string; // INV-26-0001
  customerN: number;
  projectN: number;
  date: string;
  dueDate: string;
  currency: string;
  status: "draft" | "posted" | "paid";
  lines: Array<{
    type: "time" | "expense" | "milestone";
    description: string;
    quantity: number;
    unitPrice: number;
    amount: number;
    /** The time entry or expense the line bills (its n), and the day the work or expense happened. */
    sourceN?: number;
    serviceDate?: string;
  }>;
  total: number;
  balance: number;
}

export interface FirmRateCard {
  n: number;
  name: string;
  currency: string;
  effectiveFrom: string;
  rates: Record<Title, number>;
}

export interface Firm {
  asOf: string;
  customers: FirmCustomer[];
  consultants: FirmConsultant[];
  opportunities: FirmOpportunity[];
  projects: FirmProject[];
  assignments: FirmAssignment[];
  timeEntries: FirmTimeEntry[];
  expenses: FirmExpense[];
  invoices: FirmInvoice[];
  rateCards: FirmRateCard[];
}

export const TITLES = [
  "Analyst",
  "Consultant",
  "Senior Consultant",
  "Manager",
  "Senior Manager",
  "Director",
  "Partner",
] as const;
export type Title = (typeof TITLES)[number];
const BILL: Record<Title, number> = {
  Analyst: 150,
  Consultant: 190,
  "Senior Consultant": 240,
  Manager: 290,
  "Senior Manager": 340,
  Director: 395,
  Partner: 475,
};
const COST: Record<Title, number> = {
  Analyst: 62,
  Consultant: 80,
  "Senior Consultant": 101,
  Manager: 122,
  "Senior Manager": 146,
  Director: 171,
  Partner: 220,
};

const CUSTOMERS: Array<[string, string, string, string, FirmCustomer["currency"]]> = [
  ["Northwind Logistics", "Transportation", "Chicago", "US", "USD"],
  ["Contoso Pharmaceuticals", "Life Sciences", "Boston", "US", "USD"],
  ["Fabrikam Energy", "Utilities", "Houston", "US", "USD"],
  ["Adventure Works Cycles", "Manufacturing", "Seattle", "US", "USD"],
  ["Tailspin Aviation", "Aerospace", "Wichita", "US", "USD"],
  ["Wide World Importers", "Distribution", "San Francisco", "US", "USD"],
  ["Woodgrove Bank", "Financial Services", "New York", "US", "USD"],
  ["Litware Software", "Technology", "Austin", "US", "USD"],
  ["Proseware Health", "Healthcare", "Nashville", "US", "USD"],
  ["Lucerne Publishing", "Media", "New York", "US", "USD"],
  ["Alpine Ski House", "Hospitality", "Denver", "US", "USD"],
  ["Coho Winery", "Consumer Goods", "Napa", "US", "USD"],
  ["Blue Yonder Airlines", "Aerospace", "Dallas", "US", "USD"],
  ["Margie's Travel", "Hospitality", "Orlando", "US", "USD"],
  ["Trey Research", "Life Sciences", "San Diego", "US", "USD"],
  ["Graphic Design Institute", "Education", "Philadelphia", "US", "USD"],
  ["Humongous Insurance", "Insurance", "Hartford", "US", "USD"],
  ["Fourth Coffee", "Retail", "Portland", "US", "USD"],
  ["Relecloud", "Technology", "San Jose", "US", "USD"],
  ["VanArsdel Foods", "Consumer Goods", "Minneapolis", "US", "USD"],
  ["Datum Corporation", "Technology", "Atlanta", "US", "USD"],
  ["Southridge Video", "Media", "Los Angeles", "US", "USD"],
  ["Consolidated Messenger", "Transportation", "Memphis", "US", "USD"],
  ["First Up Consultants", "Professional Services", "Charlotte", "US", "USD"],
  ["Thames Water Holdings", "Utilities", "London", "GB", "GBP"],
  ["Britannia Retail Group", "Retail", "Manchester", "GB", "GBP"],
  ["Kingsbridge Capital", "Financial Services", "London", "GB", "GBP"],
  ["Highland Distillers", "Consumer Goods", "Edinburgh", "GB", "GBP"],
  ["Maple Leaf Mining", "Mining", "Toronto", "CA", "CAD"],
  ["Laurentian Rail", "Transportation", "Montreal", "CA", "CAD"],
  ["Pacific Timber", "Forestry", "Vancouver", "CA", "CAD"],
  ["Rheinwerk Automotive", "Manufacturing", "Stuttgart", "DE", "EUR"],
  ["Amstel Logistics", "Transportation", "Rotterdam", "NL", "EUR"],
  ["Lumière Cosmetics", "Consumer Goods", "Lyon", "FR", "EUR"],
  ["Nordlys Energi", "Utilities", "Oslo", "NO", "EUR"],
  ["Woodgrove Bank Canada", "Financial Services", "Toronto", "CA", "CAD"],
];

const FIRST = [
  "Olivia",
  "Liam",
  "Emma",
  "Noah",
  "Ava",
  "Elijah",
  "Sophia",
  "James",
  "Isabella",
  "Lucas",
  "Mia",
  "Mateo",
  "Amelia",
  "Ethan",
  "Harper",
  "Arjun",
  "Priya",
  "Chen",
  "Wei",
  "Fatima",
  "Omar",
  "Aisha",
  "Kenji",
  "Yuki",
  "Sofia",
  "Diego",
  "Hannah",
  "Jonas",
  "Freya",
  "Connor",
  "Siobhan",
  "Marcus",
  "Grace",
  "Daniel",
  "Leah",
  "Ravi",
  "Nadia",
  "Tomás",
  "Ingrid",
  "Samuel",
];
const LAST = [
  "Okafor",
  "Lindqvist",
  "Patel",
  "Nguyen",
  "García",
  "Müller",
  "Rossi",
  "O'Brien",
  "Kowalski",
  "Tanaka",
  "Haddad",
  "Fischer",
  "Moreau",
  "Silva",
  "Johansson",
  "Kim",
  "Singh",
  "Walker",
  "Bennett",
  "Hughes",
  "Dubois",
  "Schmidt",
  "Costa",
  "Murphy",
  "Novak",
  "Ivanova",
  "Reyes",
  "Adeyemi",
  "Byrne",
  "Sato",
];
const PRACTICES: Array<{ name: string; cc: string; skills: string[]; services: string[] }> = [
  {
    name: "Data & Analytics",
    cc: "CC-1200",
    skills: ["Snowflake", "dbt", "Power BI", "Python", "Azure Synapse", "Data Governance"],
    services: ["Data Platform Modernisation", "Analytics Roadmap", "BI Rollout"],
  },
  {
    name: "Cloud Engineering",
    cc: "CC-1300",
    skills: ["AWS", "Azure", "Kubernetes", "Terraform", "DevOps", "Site Reliability"],
    services: ["Cloud Migration", "Platform Engineering", "Landing Zone Build"],
  },
  {
    name: "Finance Transformation",
    cc: "CC-1400",
    skills: ["NetSuite", "Revenue Recognition", "FP&A", "Close Automation", "IFRS 15"],
    services: ["Finance Transformation", "Close Acceleration", "Revenue Recognition Review"],
  },
  {
    name: "Strategy",
    cc: "CC-1100",
    skills: ["Operating Model Design", "Due Diligence", "Pricing Strategy", "Market Entry", "Change Management"],
    services: ["Operating Model Redesign", "Commercial Due Diligence", "Pricing Strategy"],
  },
  {
    name: "Cybersecurity",
    cc: "CC-1500",
    skills: ["ISO 27001", "SOC 2", "Identity & Access Management", "Threat Modelling", "Zero Trust"],
    services: ["Security Assessment", "SOC 2 Readiness", "Identity Programme"],
  },
  {
    name: "ERP Advisory",
    cc: "CC-1600",
    skills: ["Workday Financials", "SAP S/4HANA", "Oracle Fusion", "ERP Selection", "Data Migration"],
    services: ["ERP Selection", "ERP Implementation Assurance", "Workday Deployment"],
  },
];
/** The currency the firm bills a customer of that country in (its customers' own pairs; USD when none is known). */
export function currencyOfCountry(country: string): FirmCustomer["currency"] {
  return CUSTOMERS.find((c) => c[3] === country)?.[4] ?? "USD";
}
const LOCATIONS: FirmConsultant["location"][] = [
  { id: "LOC-NYC", name: "New York", country: "US", currency: "USD" },
  { id: "LOC-CHI", name: "Chicago", country: "US", currency: "USD" },
  { id: "LOC-SFO", name: "San Francisco", country: "US", currency: "USD" },
  { id: "LOC-AUS", name: "Austin", country: "US", currency: "USD" },
  { id: "LOC-LON", name: "London", country: "GB", currency: "GBP" },
  { id: "LOC-TOR", name: "Toronto", country: "CA", currency: "CAD" },
];
const STAGES_OPEN: Array<[string, number]> = [
  ["Prospecting", 10],
  ["Qualification", 20],
  ["Needs Analysis", 35],
  ["Proposal/Price Quote", 60],
  ["Negotiation/Review", 80],
];

function addDays(d: string, days: number): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
export { addDays };

function hex(rng: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += "0123456789abcdef"[rng.int(0, 15)];
  return s;
}

const TITLE_MIX: Title[] = [
  "Analyst",
  "Analyst",
  "Consultant",
  "Consultant",
  "Consultant",
  "Senior Consultant",
  "Senior Consultant",
  "Senior Consultant",
  "Manager",
  "Manager",
  "Senior Manager",
  "Director",
  "Partner",
];

let cached: Firm | undefined;

/** The firm (memoised: the same object for every sandbox in a process; sandboxes copy what they mutate). */
export function firm(): Firm {
  cached ??= generate(20260515);
  return cached;
}

function generate(seed: number): Firm {
  const rng = new Rng(seed);
  const asOf = FIRM_AS_OF;

  const customers: FirmCustomer[] = CUSTOMERS.map(([name, industry, city, country, currency], i) => {
    const n = i + 1;
    const domain =
      name.toLowerCase().replace(/[^a-z0-9]+/g, "") +
      (country === "US" ? ".com" : country === "GB" ? ".co.uk" : `.${country.toLowerCase()}`);
    const contacts = [0, 1].map((k) => {
      const firstName = FIRST[(i * 7 + k * 13) % FIRST.length]!;
      const lastName = LAST[(i * 11 + k * 5 + 3) % LAST.length]!;
      return {
        n: n * 10 + k,
        firstName,
        lastName,
        email:
          `${firstName}.${lastName}`
            .toLowerCase()
            .normalize("NFD")
            .replace(/[^a-z.]/g, "") + `@${domain}`,
        title: k === 0 ? "Chief Financial Officer" : "VP Operations",
      };
    });
    return {
      n,
      code: `CUST-${1000 + n}`,
      name,
      industry,
      city,
      country,
      currency,
      taxNumber:
        country === "US"
          ? `${rng.int(10, 99)}-${rng.int(1000000, 9999999)}`
          : `${country}${rng.int(100000000, 999999999)}`,
      paymentTermsDays: rng.pick([30, 30, 45, 60]),
      website: `https://www.${domain}`,
      parentN: name === "Woodgrove Bank Canada" ? 7 : undefined,
      contacts,
    };
  });

  const consultants: FirmConsultant[] = [];
  for (let i = 0; i < 90; i++) {
    const n = i + 1;
    const practice = PRACTICES[i % PRACTICES.length]!;
    const title: Title =
      i < 6
        ? "Partner"
        : i < 14
          ? i % 2
            ? "Director"
            : "Senior Manager"
          : TITLE_MIX[rng.int(0, TITLE_MIX.length - 1)]!;
    const firstName = FIRST[(i * 3) % FIRST.length]!;
    const lastName = LAST[(i * 7 + Math.floor(i / FIRST.length)) % LAST.length]!;
    const location = LOCATIONS[rng.int(0, LOCATIONS.length - 1)]!;
    const skills = rng
      .sample(practice.skills, rng.int(2, 4))
      .map((s) => ({ id: `SKILL-${s.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase()}`, name: s, level: rng.int(2, 5) }));
    if (rng.chance(0.3)) {
      const other = rng.pick(PRACTICES).skills;
      const s = rng.pick(other);
      if (!skills.some((k) => k.name === s))
        skills.push({ id: `SKILL-${s.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase()}`, name: s, level: rng.int(1, 3) });
    }
    const partTime = rng.chance(0.08);
    consultants.push({
      n,
      wid: hex(rng, 32),
      employeeId: `E${10000 + n}`,
      firstName,
      lastName,
      email:
        `${firstName}.${lastName}`
          .toLowerCase()
          .normalize("NFD")
          .replace(/[^a-z.]/g, "") + "@meridianpartners.com",
      title,
      practice: practice.name,
      costCenter: { id: practice.cc, name: practice.name },
      location,
      managerN: i < 6 ? undefined : (i % 6) + 1,
      hireDate: addDays("2014-01-06", rng.int(0, 4300)),
      employmentType: partTime ? "Part time" : "Full time",
      weeklyCapacityHours: partTime ? 24 : 40,
      skills,
      costRate: COST[title],
      billRate: BILL[title],
    });
  }
  const partners = consultants.filter((c) => c.title === "Partner" || c.title === "Director");

  const rateCards: FirmRateCard[] = [
    { n: 1, name: "Standard 2026 (USD)", currency: "USD", effectiveFrom: "2026-01-01", rates: { ...BILL } },
    {
      n: 2,
      name: "Standard 2026 (GBP)",
      currency: "GBP",
      effectiveFrom: "2026-01-01",
      rates: Object.fromEntries(TITLES.map((t) => [t, Math.round(BILL[t] * 0.79)])) as Record<Title, number>,
    },
    {
      n: 3,
      name: "Standard 2026 (CAD)",
      currency: "CAD",
      effectiveFrom: "2026-01-01",
      rates: Object.fromEntries(TITLES.map((t) => [t, Math.round(BILL[t] * 1.36)])) as Record<Title, number>,
    },
    {
      n: 4,
      name: "Standard 2026 (EUR)",
      currency: "EUR",
      effectiveFrom: "2026-01-01",
      rates: Object.fromEntries(TITLES.map((t) => [t, Math.round(BILL[t] * 0.92)])) as Record<Title, number>,
    },
  ];
  const rateCardFor = (cur: string) => rateCards.find((r) => r.currency === cur) ?? rateCards[0]!;

  const opportunities: FirmOpportunity[] = [];
  for (let i = 0; i < 240; i++) {
    const n = i + 1;
    const customerN = rng.int(1, customers.length);
    const practice = rng.pick(PRACTICES);
    const service = rng.pick(practice.services);
    const closeDate = addDays("2024-06-03", Math.floor((i / 240) * 800) + rng.int(-10, 10));
    let stage: string;
    let probability: number;
    let isClosed = false;
    let isWon = false;
    if (closeDate <= asOf) {
      isClosed = true;
      isWon = rng.chance(0.55);
      stage = isWon ? "Closed Won" : "Closed Lost";
      probability = isWon ? 100 : 0;
    } else {
      [stage, probability] = STAGES_OPEN[Math.min(4, Math.floor(rng.float() * 5))]!;
    }
    const billingType: BillingType = rng.pick([
      "time_and_materials",
      "time_and_materials",
      "time_and_materials",
      "fixed_fee",
      "milestone",
      "retainer",
    ] as const);
    const created = addDays(closeDate, -rng.int(30, 120));
    opportunities.push({
      n,
      customerN,
      name: `${customers[customerN - 1]!.name} – ${service}`,
      service,
      stage,
      probability,
      isClosed,
      isWon,
      closeDate,
      amount: rng.int(8, 240) * 5000,
      billingType,
      ownerN: rng.pick(partners).n,
      createdAt: `${created}T${String(rng.int(8, 17)).padStart(2, "0")}:${String(rng.int(0, 59)).padStart(2, "0")}:00.000Z`,
      lastModified: `${closeDate <= asOf ? closeDate : addDays(asOf, -rng.int(1, 20))}T${String(rng.int(8, 18)).padStart(2, "0")}:${String(rng.int(0, 59)).padStart(2, "0")}:00.000Z`,
    });
  }

  // Projects: won deals closed in the 15 months before the as-of date, except the most recent wins,
  // which are not provisioned yet — the "opportunity won → project" flow has work to do.
  const won = opportunities.filter(
    (o) => o.isWon && o.closeDate >= addDays(asOf, -450) && o.closeDate <= addDays(asOf, -21),
  );
  const projects: FirmProject[] = [];
  const assignments: FirmAssignment[] = [];
  const timeEntries: FirmTimeEntry[] = [];
  const expenses: FirmExpense[] = [];
  const invoices: FirmInvoice[] = [];
  let storyN = 0;
  let milestoneN = 0;
  won.slice(-32).forEach((o, idx) => {
    const n = idx + 1;
    const customer = customers[o.customerN - 1]!;
    const start = addDays(o.closeDate, rng.int(7, 21));
    const end = addDays(start, rng.int(10, 34) * 7);
    const pm = rng.pick(consultants.filter((c) => c.title === "Manager" || c.title === "Senior Manager"));
    const rc = rateCardFor(customer.currency);
    const stories: FirmStory[] = [];
    const phases = ["Discover", "Design", "Deliver"];
    const span = (Date.parse(end) - Date.parse(start)) / 86_400_000;
    phases.forEach((ph, k) => {
      const ps = addDays(start, Math.floor((span * k) / 3));
      const pe = addDays(start, Math.floor((span * (k + 1)) / 3) - 1);
      const state = pe < asOf ? "completed" : ps <= asOf ? "started" : "not started";
      const phase: FirmStory = {
        n: ++storyN,
        projectN: n,
        title: ph,
        type: "deliverable",
        start: ps,
        due: pe,
        estimateMinutes: rng.int(120, 400) * 60,
        budgetCents: 0,
        billable: true,
        state,
      };
      stories.push(phase);
      for (const task of [`${ph}: workshops`, `${ph}: analysis`]) {
        stories.push({
          n: ++storyN,
          projectN: n,
          parentN: phase.n,
          title: task,
          type: "task",
          start: ps,
          due: pe,
          estimateMinutes: rng.int(40, 160) * 60,
          budgetCents: 0,
          billable: true,
          state,
        });
      }
    });
    const milestones: FirmProject["milestones"] = [];
    if (o.billingType === "milestone" || o.billingType === "fixed_fee") {
      const parts = o.billingType === "milestone" ? [0.3, 0.4, 0.3] : [1];
      parts.forEach((p, k) => {
        const phase = stories.filter((s) => s.type === "deliverable")[o.billingType === "milestone" ? k : 2]!;
        const ms: FirmStory = {
          n: ++storyN,
          projectN: n,
          parentN: phase.n,
          title: `Milestone ${k + 1}: ${phase.title} sign-off`,
          type: "milestone",
          start: phase.due,
          due: phase.due,
          estimateMinutes: 0,
          budgetCents: Math.round(o.amount * p * 100),
          billable: true,
          state: phase.state === "completed" ? "completed" : "not started",
        };
        stories.push(ms);
        milestones.push({
          n: ++milestoneN,
          storyN: ms.n,
          title: ms.title,
          date: ms.due,
          amount: Math.round(o.amount * p),
        });
      });
    }
    const project: FirmProject = {
      n,
      code: `PRJ-${2000 + n}`,
      name: o.name.split(" – ")[1] ? `${customer.name.split(" ")[0]} ${o.service}` : o.name,
      customerN: customer.n,
      opportunityN: o.n,
      billingType: o.billingType,
      currency: customer.currency,
      start,
      end,
      status: end < asOf ? "completed" : "active",
      budget: o.amount,
      budgetHours: Math.round(o.amount / 220),
      pmN: pm.n,
      rateCardN: rc.n,
      stories,
      milestones,
    };
    projects.push(project);

    const team = [
      pm,
      ...rng.sample(
        consultants.filter((c) => c.n !== pm.n && c.title !== "Partner"),
        rng.int(2, 4),
      ),
    ];
    const tasks = stories.filter((s) => s.type === "task");
    for (const c of team) {
      const story = rng.pick(tasks);
      const a: FirmAssignment = {
        n: assignments.length + 1,
        projectN: n,
        storyN: story.n,
        consultantN: c.n,
        role: c.title,
        billRate: rc.rates[c.title],
        costRate: c.costRate,
        allocatedMinutes: rng.int(80, 400) * 60,
      };
      assignments.push(a);
      // Time: two entries a week over the last eight weeks the project ran (up to the as-of day).
      const windowEnd = end < asOf ? end : asOf;
      const windowStart = addDays(windowEnd, -56) > start ? addDays(windowEnd, -56) : start;
      for (let d = windowStart; d <= windowEnd; d = addDays(d, 1)) {
        const dow = new Date(`${d}T00:00:00Z`).getUTCDay();
        if (dow !== 2 && dow !== 4) continue;
        const billable = o.billingType !== "retainer" || rng.chance(0.9);
        const age = (Date.parse(asOf) - Date.parse(d)) / 86_400_000;
        const approved = age > 7 || (age > 3 && rng.chance(0.5));
        timeEntries.push({
          n: timeEntries.length + 1,
          projectN: n,
          storyN: story.n,
          consultantN: c.n,
          assignmentN: a.n,
          date: d,
          minutes: rng.int(8, 18) * 30,
          billable,
          billRate: a.billRate,
          costRate: a.costRate,
          currency: customer.currency,
          notes: rng.pick([
            "Client workshop",
            "Stakeholder interviews",
            "Requirements analysis",
            "Solution design",
            "Build and unit test",
            "Status reporting",
            "Data profiling",
            "Steering committee prep",
          ]),
          approved,
          submitted: approved || age > 2,
        });
      }
    }
    for (let k = rng.int(1, 3); k > 0; k--) {
      const c = rng.pick(team);
      const date = addDays(end < asOf ? end : asOf, -rng.int(3, 50));
      expenses.push({
        n: expenses.length + 1,
        projectN: n,
        consultantN: c.n,
        date: date < start ? start : date,
        category: rng.pick(["Airfare", "Hotel", "Meals", "Ground Transportation"]),
        amount: rng.int(40, 900),
        currency: customer.currency,
        billable: true,
        reimbursable: true,
        approved: rng.chance(0.8),
      });
    }
  });

  // Invoices: time & materials projects bill approved time monthly (March and April closed); milestone
  // projects bill completed milestones. May's approved time stays uninvoiced.
  for (const p of projects) {
    const customer = customers[p.customerN - 1]!;
    const mk = (date: string): FirmInvoice => {
      const inv: FirmInvoice = {
        n: invoices.length + 1,
        number: `INV-26-${String(invoices.length + 1).padStart(4, "0")}`,
        customerN: customer.n,
        projectN: p.n,
        date,
        dueDate: addDays(date, customer.paymentTermsDays),
        currency: p.currency,
        status: "posted",
        lines: [],
        total: 0,
        balance: 0,
      };
      invoices.push(inv);
      return inv;
    };
    if (p.billingType === "time_and_materials" || p.billingType === "retainer") {
      for (const [from, to, date] of [
        ["2026-03-01", "2026-03-31", "2026-04-03"],
        ["2026-04-01", "2026-04-30", "2026-05-05"],
      ] as const) {
        const entries = timeEntries.filter(
          (t) => t.projectN === p.n && t.approved && t.billable && t.date >= from && t.date <= to,
        );
        const exps = expenses.filter((e) => e.projectN === p.n && e.approved && e.date >= from && e.date <= to);
        if (!entries.length && !exps.length) continue;
        const inv = mk(date);
        for (const t of entries) {
          t.invoiceN = inv.n;
          const c = consultants[t.consultantN - 1]!;
          inv.lines.push({
            type: "time",
            description: `${c.firstName} ${c.lastName} — ${t.notes} (${t.date})`,
            quantity: t.minutes / 60,
            unitPrice: t.billRate,
            amount: Math.round((t.minutes / 60) * t.billRate * 100) / 100,
            sourceN: t.n,
            serviceDate: t.date,
          });
        }
        for (const e of exps) {
          e.invoiceN = inv.n;
          inv.lines.push({
            type: "expense",
            description: `${e.category} (${e.date})`,
            quantity: 1,
            unitPrice: e.amount,
            amount: e.amount,
            sourceN: e.n,
            serviceDate: e.date,
          });
        }
      }
    } else {
      for (const m of p.milestones) {
        if (m.date >= addDays(FIRM_AS_OF, -10)) continue;
        const inv = mk(addDays(m.date, 3));
        m.invoiceN = inv.n;
        inv.lines.push({ type: "milestone", description: m.title, quantity: 1, unitPrice: m.amount, amount: m.amount });
      }
    }
  }
  for (const inv of invoices) {
    inv.total = Math.round(inv.lines.reduce((s, l) => s + l.amount, 0) * 100) / 100;
    const age = (Date.parse(FIRM_AS_OF) - Date.parse(inv.date)) / 86_400_000;
    inv.status = age > 40 ? "paid" : "posted";
    inv.balance = inv.status === "paid" ? 0 : inv.total;
  }

  return {
    asOf,
    customers,
    consultants,
    opportunities,
    projects,
    assignments,
    timeEntries,
    expenses,
    invoices,
    rateCards,
  };
}

/** Cents from a decimal amount, without float drift. */
export function cents(amount: number): number {
  return Math.round(amount * 100);
}

/**
 * A consultant's team in the HRIS: the primary supervisory organisation of their practice, named as Workday
 * names one (the practice and its head, the partner without a manager in it). The Workday sandbox serves it;
 * the demo history's flows record it.
 */
export function firmOrganization(
  c: FirmConsultant,
  all: readonly FirmConsultant[],
): { id: string; descriptor: string } {
  const head = all.find((h) => h.costCenter.id === c.costCenter.id && !h.managerN);
  return {
    id: `ORG-${c.costCenter.id}`,
    descriptor: head ? `${c.practice} (${head.firstName} ${head.lastName})` : c.practice,
  };
}
