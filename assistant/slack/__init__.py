"""The Slack edge: a slack-bolt app that answers and drafts in threads over the answering core.

`assistant.slack.app.build_bot` assembles it; `assistant.slack.serving` runs it over HTTP or Socket Mode.
"""
