"""Every write that crosses tenants for orders lives in this package, and nowhere else.

A buyer's order is written in the dealer's schema, its supplier parts in each supplier's
schema and the routes in the public schema, all in ONE transaction (TENANCY.md): a failing
check anywhere rolls all of it back. Rules kept here:

* switch with ``tenant_context(tenant)`` only (``schema_context`` breaks multi-type routing);
  public tables are on every tenant's search path, so public rows are written from any context;
* never carry a model instance across contexts: load, change and save inside one context
  (the schema guard raises otherwise);
* lock in one fixed order: the dealer's order row, then the suppliers in ascending tenant id,
  inside each supplier its rows in ascending primary key, the public routes last;
* Celery work queued from here names its tenant explicitly.

Modules: ``checkout`` (placing an order), ``lifecycle`` (dealer review, cancellation, receipt),
``fulfilment`` (supplier confirmation, shipping, tracking), ``aftersales``; ``common`` holds
the status mirroring between a supplier's order and the dealer's split and order.
"""
