"""Where a job's result goes besides XCom: object storage, asset events, OpenLineage facets."""
