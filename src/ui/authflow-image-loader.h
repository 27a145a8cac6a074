// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_IMAGE_LOADER (authflow_image_loader_get_type ())
#define AUTHFLOW_IMAGE_LOADER_ERROR (authflow_image_loader_error_quark ())

/* Why an image was not loaded. Network failures come as the GIOError or
 * GResolverError that libsoup gives, and cancellation as
 * G_IO_ERROR_CANCELLED.
 */
typedef enum
{
  AUTHFLOW_IMAGE_LOADER_ERROR_NOT_ALLOWED,
  AUTHFLOW_IMAGE_LOADER_ERROR_HTTP,
  AUTHFLOW_IMAGE_LOADER_ERROR_TOO_LARGE,
  AUTHFLOW_IMAGE_LOADER_ERROR_NOT_AN_IMAGE,
} AuthflowImageLoaderError;

#define AUTHFLOW_IMAGE_LOADER_DEFAULT_MAX_BYTES (1024 * 1024)

/* The largest width or height an image may declare: 64 MiB of pixels. */
#define AUTHFLOW_IMAGE_LOADER_MAX_SIDE 4096
/* What an avatar ever shows; larger images are scaled down to it. */
#define AUTHFLOW_IMAGE_LOADER_SHOWN_SIDE 256

G_DECLARE_FINAL_TYPE (AuthflowImageLoader, authflow_image_loader, AUTHFLOW, IMAGE_LOADER, GObject)

GQuark               authflow_image_loader_error_quark (void);

AuthflowImageLoader *authflow_image_loader_new         (const char           *cache_dir);
void                 authflow_image_loader_load_async  (AuthflowImageLoader  *self,
                                                        const char           *url,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GdkTexture          *authflow_image_loader_load_finish (AuthflowImageLoader  *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
guint                authflow_image_loader_get_max_bytes (AuthflowImageLoader *self);
void                 authflow_image_loader_set_max_bytes (AuthflowImageLoader *self,
                                                          guint                max_bytes);

G_END_DECLS
