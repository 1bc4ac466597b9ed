// The connector catalog the designer draws with (built-in plus the workspace's imported connectors), handed
// down from the Designer: memoised nodes, the inspector and the version diff read it here instead of from
// a module-level value. Outside a provider (a page that never loads imports) it is the built-in catalog.
import { createContext, useContext } from "react";
import type { Catalog } from "@/core/dsl";
import { BUILT_IN_CATALOG } from "./catalog";

export const ConnectorCatalogContext = createContext<Catalog>(BUILT_IN_CATALOG);
export const useConnectorCatalog = (): Catalog => useContext(ConnectorCatalogContext);
