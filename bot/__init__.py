"""aig-feedback: the human-review queue for Cloudflare AI Gateway, in Slack."""
