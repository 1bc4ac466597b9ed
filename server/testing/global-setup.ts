// Placeholder until the database harness lands (foundation work): nothing to set up yet.
export default async function setup(): Promise<void> {}
