// The one table of address forms the SSRF tests run through every outbound path (the guard itself, connector
// calls, test connection, OpenAPI import by URL, alert webhooks). Each host is a URL host literal; `range` is
// the start of forbiddenRange()'s answer. Forms that carry a public IPv4 address and really reach it
// (IPv4-mapped, -translated, NAT64 64:ff9b::/96) are in PUBLIC_TRANSITION_FORMS: they stay allowed.
export const FORBIDDEN_ADDRESS_FORMS: ReadonlyArray<{ host: string; range: string }> = [
  // IPv4-compatible (::/96, deprecated): ipaddr.js calls these "unicast".
  { host: "[::127.0.0.1]", range: "loopback" },
  { host: "[::7f00:1]", range: "loopback" },
  { host: "[::a9fe:a9fe]", range: "linkLocal" },
  { host: "[::169.254.169.254]", range: "linkLocal" },
  { host: "[::a00:1]", range: "private" },
  { host: "[::c0a8:101]", range: "private" },
  { host: "[::8.8.8.8]", range: "IPv4-compatible" },
  // IPv4-mapped in its spellings.
  { host: "[::ffff:127.0.0.1]", range: "loopback" },
  { host: "[::ffff:7f00:1]", range: "loopback" },
  { host: "[::FFFF:7F00:0001]", range: "loopback" },
  { host: "[0:0:0:0:0:ffff:7f00:1]", range: "loopback" },
  { host: "[0000:0000:0000:0000:0000:ffff:127.0.0.1]", range: "loopback" },
  { host: "[::ffff:a9fe:a9fe]", range: "linkLocal" },
  { host: "[::ffff:10.0.0.1]", range: "private" },
  // IPv4-translated (RFC 6145).
  { host: "[::ffff:0:127.0.0.1]", range: "loopback" },
  { host: "[::ffff:0:a9fe:a9fe]", range: "linkLocal" },
  // NAT64: the well-known prefix, and the local-use prefix (refused even when it carries a public address).
  { host: "[64:ff9b::127.0.0.1]", range: "loopback" },
  { host: "[64:ff9b::a9fe:a9fe]", range: "linkLocal" },
  { host: "[64:ff9b::a00:1]", range: "private" },
  { host: "[64:ff9b:1::a9fe:a9fe]", range: "linkLocal" },
  { host: "[64:ff9b:1::808:808]", range: "local-use NAT64" },
  // 6to4 (2002::/16): the IPv4 address sits in bits 16–47; refused even when public.
  { host: "[2002:7f00:1::]", range: "loopback" },
  { host: "[2002:a9fe:a9fe::1]", range: "linkLocal" },
  { host: "[2002:a00:1::1]", range: "private" },
  { host: "[2002:808:808::1]", range: "6to4" },
  // Teredo (2001::/32): server address in plain, client address bit-inverted in the last 32 bits.
  { host: "[2001:0:a00:1::]", range: "private" },
  { host: "[2001:0:808:808:8000:63bf:80ff:fffe]", range: "loopback" },
  { host: "[2001:0:808:808:0:0:f7f7:f7f7]", range: "Teredo" },
];

export const PUBLIC_TRANSITION_FORMS: readonly string[] = [
  "::ffff:8.8.8.8",
  "::ffff:808:808",
  "::ffff:0:8.8.8.8",
  "64:ff9b::8.8.8.8",
  "64:ff9b::101:101",
];
