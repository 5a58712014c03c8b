"""Deal Assistant: cited answers and RFP drafts from a sales team's knowledge base."""
