from django.core.management.base import BaseCommand

from catalog.seed import category_tree_seed


class Command(BaseCommand):
    help = "Create or update the platform's demo category tree and specification templates. Idempotent."

    def handle(self, *args, **options):
        counts = category_tree_seed()
        self.stdout.write(
            "categories: {categories} ({leaves} leaves), specification fields: {spec_fields}".format(
                **counts
            )
        )
