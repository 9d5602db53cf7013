"""The metric names each network is asked for, in one versioned place.

A network renames and retires metrics (the Graph turned `post_impressions*` into `post_media_view` on 2025-11-15,
and one retired name in a request fails the whole insights call with #100). Change the names here, and the
version with them: every snapshot records the version it was collected under, so figures from before and after a
change are never mistaken for one another.
"""

# Graph API post insights, by the figure each one gives. Reactions, comments and shares are post fields.
FACEBOOK_VERSION = "graph-2025-11-15"
FACEBOOK_INSIGHTS = {
    "views": "post_media_view",
    "reach": "post_total_media_view_unique",
    "clicks": "post_clicks",
}
FACEBOOK_FIELDS = ("shares", "comments.limit(0).summary(true)", "reactions.limit(0).summary(true)")

# X API v2 tweet fields. Non-public metrics need the owner's token and exist for 30 days after posting.
X_VERSION = "x-v2-2024"
X_PUBLIC_FIELDS = ("public_metrics", "created_at")
X_NON_PUBLIC_FIELDS = ("non_public_metrics",)
X_NON_PUBLIC_DAYS = 30
