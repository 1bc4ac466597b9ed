// Wording helpers shared by manifests, sandboxes and messages. Browser-safe.

/**
 * "a customer", "an invoice", "an expense", "a user", "an hour", "an unparseable address": the indefinite article
 * by sound for the English nouns our own manifests and messages use. (A dependency for this would be the only
 * one of its kind; the exceptions below cover the vowel letters that do not sound like vowels, and back.)
 */
export function withArticle(phrase: string): string {
  const raw = phrase.trim();
  // Spelt letter by letter ("an HTTP request", "an sObject", "a URL"): the first letter's name decides.
  // …except acronyms said as words ("a SOQL query", "a JSON body").
  const saidAsWord = /^(SOQL|SOSL|SuiteQL|JSON|JSONata|YAML|REST|SOAP|JWT|CRUD)\b/.test(raw);
  if (!saidAsWord && (/^[A-Z]{2,}(?![a-z])/.test(raw) || /^[a-z][A-Z]/.test(raw)))
    return `${/^[aefhilmnorsx]/i.test(raw) ? "an" : "a"} ${phrase}`;
  const w = raw.toLowerCase();
  const vowelSound =
    /^(hour|honest|honou?r|heir)/.test(w) ||
    (/^[aeiou]/.test(w) && !/^(uni(?!n)|use|usu|uti|ure|eu|ewe|one\b|once)/.test(w)) ||
    /^[0-9]*(8|11|18)\b/.test(w);
  return `${vowelSound ? "an" : "a"} ${phrase}`;
}
