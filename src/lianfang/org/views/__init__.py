"""Pages of the org app: `structure` (organisations, departments with their functions, posts),
`people` (people, their posts, the roster workbook, leader divisions, rotation), `powers` (the
power catalogue). What they share is in `base`.

Everyone with a role reads within `visible_to`; administrators and the integrity office edit
within their subtree (objects fetched through `*_manageable_by`, so anything else is a 404).
"""
