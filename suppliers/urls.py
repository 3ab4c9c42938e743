from django.urls import path

from suppliers import views, views_media, views_products, views_publishing

app_name = "suppliers"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    # Catalogue (views_products.py)
    path("products/", views_products.ProductListView.as_view(), name="product-list"),
    path("products/create/", views_products.ProductCreateView.as_view(), name="product-create"),
    path(
        "products/bulk-status/",
        views_products.ProductBulkStatusView.as_view(),
        name="product-bulk-status",
    ),
    path("products/import/", views_products.ProductImportView.as_view(), name="product-import"),
    path(
        "products/import/<int:pk>/",
        views_products.ProductImportDetailView.as_view(),
        name="product-import-detail",
    ),
    path("products/export/", views_products.ProductExportView.as_view(), name="product-export"),
    path("products/<int:pk>/", views_products.ProductDetailView.as_view(), name="product-detail"),
    path(
        "products/<int:pk>/update/",
        views_products.ProductUpdateView.as_view(),
        name="product-update",
    ),
    path(
        "products/<int:pk>/status/",
        views_products.ProductStatusView.as_view(),
        name="product-status",
    ),
    path(
        "products/<int:pk>/images/",
        views_products.ProductImageUploadView.as_view(),
        name="product-image-upload",
    ),
    path(
        "products/<int:pk>/images/<int:image_pk>/delete/",
        views_products.ProductImageDeleteView.as_view(),
        name="product-image-delete",
    ),
    path(
        "products/<int:product_pk>/skus/<int:pk>/prices/",
        views_products.SkuPriceUpdateView.as_view(),
        name="sku-price-update",
    ),
    path("prices/", views_products.PriceBulkUpdateView.as_view(), name="price-bulk-update"),
    # Uploaded images of this tenant only (views_media.py)
    path("media/<str:schema>/<path:path>", views_media.MediaServeView.as_view(), name="media"),
    # Publishing to dealers (views_publishing.py)
    path(
        "products/<int:pk>/publishing/",
        views_publishing.ProductPublishingView.as_view(),
        name="product-publishing",
    ),
    path("publishing/", views_publishing.PublishingListView.as_view(), name="publishing-list"),
    path(
        "publishing/dealers/",
        views_publishing.DealerAuthorisationView.as_view(),
        name="publishing-dealers",
    ),
]
