"""What the tests' demo holds less of than the real one, and how it hashes passwords."""


def smaller_demo(patch):
    """What a test's demo holds less of than the real one (`patch` is a pytest MonkeyPatch):
    - every full demo load runs its power flows' matters through the services
      (demo/flows.py): a test needs a few (tests/demo/test_flows.py sets its own);
    - the full demo writes 20,000 patient answers (demo/satisfaction.py): a thousand do
      (tests/demo/test_satisfaction.py sets its own);
    - it files 300 complaints and takes each through its steps (demo/complaints.py): a few
      dozen do (tests/demo/test_complaints.py sets its own);
    - it generates every staff member's commitment (demo/commitments.py): a hundred do, plus
      the ones its story signs."""
    from lianfang.demo import commitments, complaints, flows, satisfaction

    patch.setattr(flows, "INSTANCES", 30)
    patch.setattr(satisfaction, "ANSWERS", 1000)
    patch.setattr(complaints, "COMPLAINTS", 40)
    patch.setattr(commitments, "GENERATE_PEOPLE", 100)


# The demo hashes its passwords once per load; Argon2 would dominate the time of the tests that
# load it. Argon2 stays known for the complaints' receipts (demo/complaints.py hashes them).
FAST_PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
