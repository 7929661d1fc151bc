"""The words of the seeded logs: conversations, system prompts and the values filled into them.

Data only, no logic beyond a lookup. The conversations imitate what a team's gateway sees in a
day: support answers, code help, summaries, classification and copywriting. A few answers are
deliberately weak (wrong, vague or off-policy) so that a review queue has something to disagree
with, and a few prompts carry an email address or an API key so redaction has work to do.
`{{name}}`-style placeholders are filled per log from `FILLS`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Category:
    """Who sends a kind of conversation, and with which instructions."""

    team: str
    feature: str
    system: str


@dataclass(frozen=True, slots=True)
class Conversation:
    """One user turn and the model's answer."""

    category: str
    prompt: str
    answer: str


CATEGORIES: dict[str, Category] = {
    "support": Category(
        team="support",
        feature="ticket-assistant",
        system=(
            "You are the support assistant for Acme Cloud. Answer in a friendly, concise tone. "
            "Never promise refunds above $100 without escalating to a human agent. "
            "If you are unsure, say so and offer to open a ticket."
        ),
    ),
    "code": Category(
        team="platform",
        feature="code-assistant",
        system=(
            "You are a senior engineer helping colleagues. Prefer short answers with runnable "
            "code. Point out security problems when you see them."
        ),
    ),
    "summary": Category(
        team="docs",
        feature="summarizer",
        system="Summarize the user's text for a busy reader. Use short bullet points.",
    ),
    "classify": Category(
        team="support",
        feature="ticket-classifier",
        system=(
            'Classify the support ticket. Reply with JSON only: {"sentiment": "positive|neutral|'
            'negative", "urgency": "low|medium|high", "topic": string}.'
        ),
    ),
    "writing": Category(
        team="growth",
        feature="copywriter",
        system="You write clear, warm product copy for Acme Cloud. No buzzwords.",
    ),
}

FILLS: dict[str, tuple[str, ...]] = {
    "name": ("Priya", "Jonas", "Mei", "Carlos", "Amara", "Olivia", "Tomasz", "Yuki", "Noah"),
    "order": ("A-48213", "A-50877", "A-51902", "B-10442", "B-11876", "C-20931"),
    "city": ("Lisbon", "Austin", "Osaka", "Nairobi", "Leeds", "Montreal", "Pune"),
    "amount": ("$49.00", "$129.00", "$18.50", "$240.00", "$9.99", "$75.20"),
    "plan": ("Starter", "Team", "Business", "Enterprise"),
    "date": ("March 3", "April 17", "May 9", "June 21", "July 30", "September 12"),
    "ticket": ("48213", "48877", "49102", "50231", "51877", "52004"),
    "email": (
        "priya.raman@example.com",
        "jonas.weber@example.org",
        "mei.tanaka@example.net",
        "c.alvarez@example.com",
    ),
}

CONVERSATIONS: tuple[Conversation, ...] = (
    Conversation(
        "support",
        "Hi, I asked for a password reset 20 minutes ago and the email still hasn't arrived. "
        "My login is {{email}}. Can you help?",
        "Sorry about the wait, {{name}}! Reset emails usually arrive within 5 minutes. Please "
        "check your spam folder and any filters for mail from no-reply@acme.example. If it is "
        "not there, you can request a new link from the sign-in page; older links stop working "
        "once a new one is sent. Still nothing after 15 minutes? Reply here and I'll open a "
        "ticket with our accounts team.",
    ),
    Conversation(
        "support",
        "I was charged twice for order {{order}} ({{amount}} each). I only placed one order. "
        "Please refund the duplicate.",
        "Thanks for flagging this. I can see two charges of {{amount}} for order {{order}}. One "
        "of them is a pending authorisation that your bank will release automatically within "
        "3-5 business days, so no refund is needed. If both charges are still there after "
        "{{date}}, let us know and we'll refund the duplicate straight away.",
    ),
    Conversation(
        "support",
        "How do I download all my invoices from last year as PDFs?",
        "Go to Billing > Invoices, set the date filter to last year, then choose Export > PDF "
        "(zip). The export is emailed to the account owner within a few minutes. Only owners and "
        "billing admins can export invoices.",
    ),
    Conversation(
        "support",
        "If I upgrade from {{plan}} to the next plan today, do I pay the full price this month?",
        "No. Upgrades are prorated: you pay only the difference for the days left in your "
        "current billing cycle, and the new price applies from your next invoice.",
    ),
    Conversation(
        "support",
        "I lost my phone and can't log in because of two-factor authentication. What now?",
        "Use one of the recovery codes you saved when you turned on 2FA. If you don't have "
        "them, just reply with your account email and we will turn off 2FA for you right away.",
    ),
    Conversation(
        "support",
        "My order {{order}} to {{city}} was supposed to arrive on {{date}} and tracking hasn't "
        "updated in four days. Where is it?",
        "I'm sorry about the delay, {{name}}. Tracking for {{order}} stopped at the regional "
        "hub, which usually means a missed scan rather than a lost parcel. I've asked the "
        "carrier for a trace; you'll hear from us within 48 hours. If the parcel doesn't turn "
        "up, we'll send a replacement at no cost.",
    ),
    Conversation(
        "support",
        "Please cancel my subscription. I don't want to be charged again.",
        "Done, your subscription is cancelled and you won't be charged again. You keep access "
        "until the end of the current billing period. If you change your mind, you can "
        "reactivate from Billing at any time.",
    ),
    Conversation(
        "support",
        "Our integration keeps getting HTTP 429 from your API since this morning. We send maybe "
        "10 requests a second. Is something wrong on your side?",
        "A 429 means you've reached your plan's rate limit. The {{plan}} plan allows 5 requests "
        "per second per token, so 10/s will be throttled. Honour the Retry-After header, add "
        "exponential backoff with jitter, and spread the load over time. If you need a higher "
        "limit, our sales team can raise it.",
    ),
    Conversation(
        "support",
        "This is the third outage this month. We are losing customers because of you. Give me "
        "one reason not to switch providers.",
        "I completely understand your frustration, and I'm sorry. This month's incidents are not "
        "the level of reliability you should expect from us. The postmortem for the latest one "
        "will be published on our status page, and I've asked your account manager to contact "
        "you today about service credits.",
    ),
    Conversation(
        "support",
        "Can you change the email on my account from {{email}} to my new work address? I "
        "can't receive mail at the old one anymore.",
        "Sure! For security we can't change it from chat. Please go to Settings > Profile, "
        "enter the new address and confirm the link we send there. Because you can't reach the "
        "old inbox, choose 'I no longer have access' and we'll verify you with a recent invoice "
        "number instead.",
    ),
    Conversation(
        "support",
        "Do you offer a discount for non-profits?",
        "Yes, all non-profits get 100% off every plan forever, no paperwork needed. Just tick "
        "the non-profit box at checkout.",
    ),
    Conversation(
        "code",
        "Why does this block the whole server?\n\n```python\nasync def handler(request):\n"
        "    data = requests.get(UPSTREAM_URL).json()\n    return web.json_response(data)\n```",
        "`requests.get` is a blocking call: while it waits for the network, the event loop can't "
        "run anything else, so every other request stalls. Use an async client instead:\n\n"
        "```python\nasync def handler(request):\n    async with httpx.AsyncClient(timeout=10) "
        "as client:\n        response = await client.get(UPSTREAM_URL)\n    return "
        "web.json_response(response.json())\n```\n\nBetter still, create one client at "
        "startup and reuse it so connections are pooled.",
    ),
    Conversation(
        "code",
        "Write a SQL query that returns the top 5 customers by revenue over the last 30 days "
        "from orders(customer_id, total_cents, created_at).",
        "```sql\nSELECT customer_id, SUM(total_cents) / 100.0 AS revenue\nFROM orders\nWHERE "
        "created_at >= NOW() - INTERVAL '30 days'\nGROUP BY customer_id\nORDER BY revenue DESC\n"
        "LIMIT 5;\n```\n\nAn index on `orders (created_at)` keeps this fast on large tables.",
    ),
    Conversation(
        "code",
        "TypeScript says `Property 'id' does not exist on type 'never'` on `items[0].id` after "
        "I wrote `const items = [];`. Why?",
        "An empty array literal with no annotation is inferred as `never[]` under strict mode, "
        "so its elements have no properties. Annotate it: `const items: Item[] = [];` (or "
        "`useState<Item[]>([])` in React). Then `items[0]?.id` type-checks; keep the `?.` "
        "because the array may be empty.",
    ),
    Conversation(
        "code",
        "Give me a regex that validates UK postcodes.",
        "A practical one (case-insensitive):\n\n```\n^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$\n"
        "```\n\nIt accepts forms like `SW1A 1AA`, `M1 1AE` and `B338TH`. It doesn't check that "
        "the postcode exists; use a lookup API for that.",
    ),
    Conversation(
        "code",
        "Bash one-liner to delete log files bigger than 100 MB that are older than 30 days "
        "under /var/log/app?",
        "```bash\nfind /var/log/app -type f -name '*.log' -size +100M -mtime +30 -print -delete"
        "\n```\n\nRun it once without `-delete` first to check what it would remove.",
    ),
    Conversation(
        "code",
        "How do I undo my last git commit but keep the changes?",
        "`git reset --hard HEAD~1` undoes the last commit. Your changes will be kept in the "
        "working tree.",
    ),
    Conversation(
        "code",
        'What does this mean?\n\n```\nTraceback (most recent call last):\n  File "app.py", '
        "line 42, in handle\n    user = sessions[token][\"user\"]\nKeyError: 'user'\n```",
        'The session for that token exists but has no `"user"` key, probably an anonymous or '
        'half-created session. Read it defensively with `sessions[token].get("user")` and '
        "treat `None` as logged out, or make sure every code path that creates a session sets "
        "`user`.",
    ),
    Conversation(
        "code",
        "This returns 401 but the key is right, I just created it:\n\n```\ncurl -H "
        '"Authorization: Bearer sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0" '
        "https://api.acme.example/v1/projects\n```",
        "First, rotate that key now: it is in this chat and in logs. A 401 with a brand-new key "
        "usually means it was created in a different workspace than the one the endpoint "
        "serves, or it lacks the `projects:read` scope. Check both in Settings > API keys.",
    ),
    Conversation(
        "code",
        "Rust complains: cannot borrow `cache` as mutable because it is also borrowed as "
        "immutable. I do `let v = cache.get(&k); cache.insert(k2, 1);`.",
        "`v` is a reference into `cache`, and it is still alive when you call `insert`, which "
        "needs `&mut cache`. Either finish using `v` before inserting, or copy the value out: "
        "`let v = cache.get(&k).copied();`. For get-or-insert, use the entry API: "
        "`*cache.entry(k).or_insert(0) += 1;`.",
    ),
    Conversation(
        "code",
        "Can you make this Dockerfile smaller?\n\n```dockerfile\nFROM python:3.12\nCOPY . /app\n"
        "RUN pip install -r /app/requirements.txt\nCMD python /app/main.py\n```",
        "```dockerfile\nFROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip "
        'install --no-cache-dir -r requirements.txt\nCOPY . .\nUSER 1000\nCMD ["python", '
        '"main.py"]\n```\n\nThe slim base saves ~800 MB, copying requirements first keeps the '
        "install layer cached, and the app no longer runs as root.",
    ),
    Conversation(
        "summary",
        "Summarize these meeting notes:\n\nAttendees: {{name}}, Sam, Lee. Launch moved from "
        "{{date}} by two weeks because the billing migration is late. Sam will finish the "
        "migration script by Friday. Lee owns the launch email and needs final pricing. "
        "{{name}} to confirm the {{plan}} plan price with finance. Risk: support staffing during "
        "launch week.",
        "- Launch slips two weeks from {{date}} (billing migration late).\n- Sam: migration "
        "script by Friday.\n- {{name}}: confirm {{plan}} pricing with finance.\n- Lee: launch "
        "email, blocked on final pricing.\n- Open risk: support staffing in launch week.",
    ),
    Conversation(
        "summary",
        "Summarize this call transcript for the account team: customer {{name}} from {{city}} "
        "says onboarding took too long, the SSO setup docs were confusing, and they want "
        "audit logs before renewing. Overall happy with performance. Renewal is on {{date}}.",
        "- Renewal on {{date}}; audit logs are a condition for renewing.\n- Pain points: slow "
        "onboarding, confusing SSO docs.\n- Positive: happy with performance.\n- Next step: "
        "share the audit-log roadmap with {{name}} before the renewal.",
    ),
    Conversation(
        "summary",
        "TL;DR this postmortem: On {{date}} a config push disabled TLS session resumption on "
        "30% of edge nodes. Handshake CPU tripled, p99 latency rose from 180 ms to 2.4 s for "
        "47 minutes. Detected by latency alerts after 9 minutes; rollback took 38 minutes "
        "because the rollback tool also needed the broken nodes. Action items: staged "
        "rollouts, an out-of-band rollback path.",
        "- What: a config push on {{date}} turned off TLS session resumption on 30% of edge "
        "nodes.\n- Impact: p99 latency 180 ms → 2.4 s for 47 min.\n- Why so long: the rollback "
        "tool depended on the broken nodes.\n- Fixes: staged rollouts and an out-of-band "
        "rollback path.",
    ),
    Conversation(
        "summary",
        "Summarize this support thread for the next shift: Customer can't connect the Slack "
        "integration. We asked for a screenshot (sent). Error is 'invalid_team_for_non_"
        "distributed_app'. Engineering says the app must be installed by a workspace admin. "
        "Customer is waiting for their admin, who is back on {{date}}.",
        "The customer wants to connect the Slack integration and is having a problem with it. "
        "Engineering has looked into the issue. The customer is waiting. Follow up later.",
    ),
    Conversation(
        "summary",
        "Turn these release notes into one tweet: dark mode; CSV export for reports; 40% "
        "faster dashboard loads; fixed the timezone bug in scheduled emails.",
        "New in Acme Cloud: dark mode 🌙, CSV export for reports, dashboards that load 40% "
        "faster, and scheduled emails that finally respect your timezone.",
    ),
    Conversation(
        "classify",
        "Ticket #{{ticket}}: I've been charged for a plan I cancelled on {{date}}. This is the "
        "second time. Fix it today or I'm disputing the charge with my bank.",
        '{"sentiment": "negative", "urgency": "high", "topic": "billing"}',
    ),
    Conversation(
        "classify",
        "Ticket #{{ticket}}: Love the new dashboard! Quick question, can I change the default "
        "date range to 7 days?",
        '{"sentiment": "positive", "urgency": "low", "topic": "dashboard"}',
    ),
    Conversation(
        "classify",
        "Ticket #{{ticket}}: Our production API calls are failing with 500 errors since 09:40 "
        "UTC. Nothing changed on our side.",
        '{"sentiment": "neutral", "urgency": "low", "topic": "api"}',
    ),
    Conversation(
        "writing",
        "Write a two-sentence product description for our new {{plan}} plan with audit logs "
        "and SSO.",
        "The {{plan}} plan gives growing teams single sign-on and a full audit log, so you "
        "always know who changed what. Set it up in minutes and keep security reviews short.",
    ),
    Conversation(
        "writing",
        "Draft a short email to {{name}} telling them their order {{order}} to {{city}} is "
        "delayed by about a week, and offer free express shipping on their next order.",
        "Subject: Your order {{order}} is running late\n\nHi {{name}},\n\nYour order {{order}} "
        "to {{city}} is delayed by about a week because of a stock shortage. We're sorry for "
        "the wait. As a thank-you for your patience, your next order ships express for free; "
        "the upgrade is applied automatically.\n\nThe Acme team",
    ),
    Conversation(
        "writing",
        "Translate to German: 'Your trial ends on {{date}}. Upgrade now to keep your data.'",
        "„Ihre Testphase endet am {{date}}. Führen Sie jetzt ein Upgrade durch, um Ihre Daten "
        "zu behalten.“",
    ),
    Conversation(
        "writing",
        "Give me three subject lines for our newsletter about the faster dashboard.",
        "1. Your dashboard just got 40% faster\n2. Less waiting, more knowing\n3. We made the "
        "dashboard fast. Really fast.",
    ),
)

# The one conversation behind the optional ~10 MB response (an export nobody should paste).
HUGE_PROMPT = (
    "Export every support ticket from the last quarter as CSV with the columns ticket_id, "
    "created_at, customer, status, summary. Include all of them, don't truncate."
)
HUGE_HEADER = "ticket_id,created_at,customer,status,summary"
