// Start-up failures that must reach the operator as one clear sentence (what is wrong, what to do),
// never as a stack trace. Scripts catch StartupError and print only its message.
export class StartupError extends Error {
  override readonly name = "StartupError";
}

/** Turns a low-level connection error into a sentence an operator can act on. */
export function describeDatabaseError(err: unknown, url: string): string {
  const safeUrl = redactUrl(url);
  const e = err as { code?: string; message?: string };
  switch (e.code) {
    case "ECONNREFUSED":
      return `Cannot reach the database at ${safeUrl}: nothing is listening there. Start Postgres or fix DATABASE_URL (unset it to use the embedded database).`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `Cannot resolve the database host in DATABASE_URL (${safeUrl}). Check the host name.`;
    case "ETIMEDOUT":
      return `Timed out connecting to the database at ${safeUrl}. Check that the host is reachable and the port is open.`;
    case "28P01":
    case "28000":
      return `The database at ${safeUrl} refused the credentials in DATABASE_URL. Check the user name and password.`;
    case "3D000":
      return `The database named in DATABASE_URL (${safeUrl}) does not exist. Create it (createdb) or point DATABASE_URL at an existing one.`;
    default:
      return `Cannot use the database at ${safeUrl}: ${e.message ?? String(err)}`;
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "****";
    return u.toString();
  } catch {
    return "(DATABASE_URL is not a valid URL)";
  }
}

/** Validates DATABASE_URL's shape before anything tries to connect with it. */
export function assertDatabaseUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StartupError(`DATABASE_URL is not a valid URL. Expected postgresql://user:password@host:5432/database.`);
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    throw new StartupError(
      `DATABASE_URL must start with postgresql:// (got ${u.protocol}//). Expected postgresql://user:password@host:5432/database.`,
    );
  }
  if (!u.pathname || u.pathname === "/") {
    throw new StartupError(`DATABASE_URL names no database. Add one: postgresql://user@host:5432/weft.`);
  }
}
