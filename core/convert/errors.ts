/** Input an importer cannot read at all (not an n8n export, not a state machine); anything else is reported. */
export class ConvertError extends Error {
  override name = "ConvertError";
}
