"""The dealer's open API (DRF): listings of its store. See channels/api/views.py."""
