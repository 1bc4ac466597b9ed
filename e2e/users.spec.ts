// Settings → Users and Teams, as an admin would do it: add a colleague with a one-time password, who signs in
// with it; put them in a new team and rename it; deactivate them (their open session ends and sign-in says why)
// and reactivate them. Non-admins see no user administration. Screenshots land in test-results/users.
import { expect, test, type Page } from "./test";
import { signIn, screenshots } from "./helpers";

test.use({ viewport: { width: 1500, height: 1000 } });
const shot = screenshots("users", { fullPage: true });

async function signInWith(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

test("an admin adds a user with a one-time password, staffs a new team, deactivates and reactivates them", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  await signIn(page, "admin");
  await page.goto("/settings");
  const users = page.getByRole("region", { name: "Users", exact: true });
  await users.getByRole("button", { name: "Add user" }).click();
  const form = page.getByRole("form", { name: "New user" });
  await form.getByLabel("Name").fill("Nia Newcomer");
  await form.getByLabel("Email").fill("nia@weft.local");
  await form.getByRole("checkbox", { name: "designer", exact: true }).check();
  await form.getByRole("checkbox", { name: "Finance", exact: true }).check();
  await form.getByRole("button", { name: "Create user" }).click();
  const oneTime = page.getByTestId("one-time-password");
  await expect(oneTime).toBeVisible();
  const password = (await oneTime.textContent())!.trim();
  const row = page.getByRole("row", { name: "User nia@weft.local" });
  await expect(row).toContainText("Nia Newcomer");
  await expect(row.getByRole("checkbox", { name: "designer role for nia@weft.local" })).toBeChecked();
  await expect(row.getByLabel("Teams of nia@weft.local")).toContainText("Finance");
  await shot(page, "01-user-created");

  // The newcomer signs in with the one-time password and is a designer.
  const niaCtx = await browser.newContext();
  const nia = await niaCtx.newPage();
  await signInWith(nia, "nia@weft.local", password);
  await expect(nia).toHaveURL(/\/flows$/);
  await expect(nia.getByText("Roles: designer, viewer").or(nia.getByText("Roles: viewer, designer"))).toBeVisible();
  await nia.goto("/settings");
  await expect(nia.getByText("Users, roles and teams are managed by an administrator.")).toBeVisible();
  await expect(nia.getByRole("button", { name: "Add user" })).toHaveCount(0);

  // A new team with Nia in it, then renamed; the key stays.
  const teams = page.getByRole("region", { name: "Teams", exact: true });
  const newTeam = page.getByRole("form", { name: "New team" });
  await newTeam.getByLabel("Team name").fill("Delivery Ops");
  await expect(newTeam.getByLabel("Key")).toHaveValue("delivery-ops");
  await newTeam.getByRole("button", { name: "Create team" }).click();
  const team = teams.getByRole("listitem", { name: "Team Delivery Ops" });
  await expect(team).toContainText("delivery-ops");
  await team.getByLabel("Members of Delivery Ops").click();
  // Controlled by the server: checked once the change is saved and the list reloaded.
  await team.getByRole("checkbox", { name: "nia@weft.local in Delivery Ops" }).click();
  await expect(team.getByRole("checkbox", { name: "nia@weft.local in Delivery Ops" })).toBeChecked();
  await expect(team.getByLabel("Members of Delivery Ops")).toContainText("1 member: Nia Newcomer");
  await team.getByLabel("Name of team delivery-ops").fill("Delivery Operations");
  await team.getByRole("button", { name: "Rename" }).click();
  await expect(teams.getByRole("listitem", { name: "Team Delivery Operations" })).toContainText("delivery-ops");
  await expect(row.getByLabel("Teams of nia@weft.local")).toContainText("Delivery Operations");
  await shot(page, "02-team");

  // Deactivated: the open session ends, and signing in again says why.
  await row.getByRole("button", { name: "Deactivate nia@weft.local" }).click();
  await expect(row).toContainText("deactivated");
  await nia.goto("/flows");
  await expect(nia).toHaveURL(/\/login/);
  await signInWith(nia, "nia@weft.local", password);
  await expect(nia.getByText("This account is deactivated: ask an administrator to reactivate it.")).toBeVisible();
  await row.getByRole("button", { name: "Reactivate nia@weft.local" }).click();
  await expect(row).not.toContainText("deactivated");
  await signInWith(nia, "nia@weft.local", password);
  await expect(nia).toHaveURL(/\/flows$/);
  await niaCtx.close();

  // The admin's own admin role cannot be removed here (the server also keeps one active admin).
  await expect(page.getByRole("checkbox", { name: "admin role for admin@weft.local" })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Deactivate admin@weft.local" })).toHaveCount(0);

  // Every change is in the audit log.
  await page.goto("/audit");
  for (const action of [
    "user.created",
    "team.created",
    "team.members_changed",
    "team.renamed",
    "user.deactivated",
    "user.reactivated",
  ])
    await expect(page.getByRole("cell", { name: action, exact: true }).first()).toBeVisible();
});
