"""The buyer's JSON API on a dealer's domain: cart and checkout. See orders/api/views.py and
docs/buyer-api.md."""
