"""Theory weights as pure functions of stored truth quantities (shared by the generator and processors)."""
