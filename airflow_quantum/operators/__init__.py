"""Operators: submit quantum jobs, wait for them (deferred), and put their results in XCom."""
