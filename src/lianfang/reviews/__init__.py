"""Review chains (审核流程): a submission climbs the levels of its organisation's chain
(department head → leader in charge → integrity office) until it is approved or returned.
Subject-agnostic: the risk register files risk points through it, and later modules
(campaigns) reuse it for their own subjects. See docs/architecture.md, "Review chains"."""
