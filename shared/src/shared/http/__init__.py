"""HTTP plumbing shared by every service app."""
