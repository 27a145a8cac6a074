// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-image-loader"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "authflow-image-loader.h"

/* Loads small remote images, such as avatars, into textures. It keeps what
 * it loaded in memory and, when given a directory, on disk under the
 * SHA-256 of the URL, and loads of one URL that overlap share one request.
 * An avatar URL can carry a token in its query, so the URL is never logged
 * nor put in an error: the debug log shows the host only.
 */
struct _AuthflowImageLoader
{
  GObject      parent_instance;

  SoupSession *session;
  char        *cache_dir;
  guint        max_bytes;

  /* URL → GdkTexture, for the life of the loader. */
  GHashTable  *textures;

  /* URL → Fetch, for the loads under way. */
  GHashTable  *fetches;
};

G_DEFINE_FINAL_TYPE (AuthflowImageLoader, authflow_image_loader, G_TYPE_OBJECT)
G_DEFINE_QUARK (authflow-image-loader-error-quark, authflow_image_loader_error)

#define TIMEOUT_SECONDS 15
#define READ_CHUNK_SIZE 65536

/* One load of one URL, from the disk cache or the network, and the tasks
 * waiting for it. It holds the loader and is cancelled when the last task
 * waiting for it is.
 */
typedef struct
{
  AuthflowImageLoader *self;
  char                *url;
  char                *host;
  GFile               *cache_file;
  GCancellable        *cancellable;
  GPtrArray           *waiters;
  SoupMessage         *message;
  GInputStream        *stream;
  GByteArray          *buffer;
} Fetch;

typedef struct
{
  Fetch        *fetch;
  GCancellable *cancellable;
  gulong        cancelled_id;
} Waiter;

static void fetch_from_network (Fetch *fetch);

static void
waiter_free (Waiter *waiter)
{
  g_assert (waiter->fetch == NULL);
  g_assert (waiter->cancelled_id == 0);

  g_clear_object (&waiter->cancellable);
  g_free (waiter);
}

static void
fetch_free (Fetch *fetch)
{
  g_assert (fetch->waiters->len == 0);

  g_clear_object (&fetch->self);
  g_free (fetch->url);
  g_free (fetch->host);
  g_clear_object (&fetch->cache_file);
  g_clear_object (&fetch->cancellable);
  g_ptr_array_unref (fetch->waiters);
  g_clear_object (&fetch->message);
  g_clear_object (&fetch->stream);
  g_clear_pointer (&fetch->buffer, g_byte_array_unref);
  g_free (fetch);
}

/* Hands the outcome to every task still waiting; takes @texture or @error. */
static void
fetch_complete (Fetch      *fetch,
                GdkTexture *texture,
                GError     *error)
{
  g_autoptr(GPtrArray) waiters = NULL;

  if (texture != NULL)
    {
      g_debug ("Loaded a %d×%d image from %s",
               gdk_texture_get_width (texture), gdk_texture_get_height (texture), fetch->host);
      g_hash_table_insert (fetch->self->textures, g_strdup (fetch->url), g_object_ref (texture));
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_debug ("Could not load an image from %s: %s", fetch->host, error->message);
    }

  waiters = g_steal_pointer (&fetch->waiters);
  fetch->waiters = g_ptr_array_new ();
  if (g_hash_table_lookup (fetch->self->fetches, fetch->url) == fetch)
    g_hash_table_remove (fetch->self->fetches, fetch->url);

  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);
      Waiter *waiter = g_task_get_task_data (task);

      g_cancellable_disconnect (waiter->cancellable, waiter->cancelled_id);
      waiter->cancelled_id = 0;
      waiter->fetch = NULL;

      if (texture != NULL)
        g_task_return_pointer (task, g_object_ref (texture), g_object_unref);
      else
        g_task_return_error (task, g_error_copy (error));

      g_object_unref (task);
    }

  g_clear_object (&texture);
  g_clear_error (&error);
  fetch_free (fetch);
}

static gboolean
waiter_cancelled_idle_cb (gpointer user_data)
{
  GTask *task = user_data;
  Waiter *waiter = g_task_get_task_data (task);
  Fetch *fetch = waiter->fetch;

  /* The load may have finished between the cancellation and now. */
  if (fetch == NULL)
    return G_SOURCE_REMOVE;

  g_cancellable_disconnect (waiter->cancellable, waiter->cancelled_id);
  waiter->cancelled_id = 0;
  waiter->fetch = NULL;

  if (g_ptr_array_remove (fetch->waiters, task))
    {
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
    }

  /* Nobody else wants it: stop the request, whose callback frees the
   * fetch, and let a new load of the URL start afresh meanwhile.
   */
  if (fetch->waiters->len == 0)
    {
      if (g_hash_table_lookup (fetch->self->fetches, fetch->url) == fetch)
        g_hash_table_remove (fetch->self->fetches, fetch->url);
      g_cancellable_cancel (fetch->cancellable);
    }

  return G_SOURCE_REMOVE;
}

/* May run in the thread that cancels, so it only hands over to the task's
 * main context.
 */
static void
waiter_cancelled_cb (GCancellable *cancellable,
                     GTask        *task)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, waiter_cancelled_idle_cb, g_object_ref (task), g_object_unref);
  g_source_set_static_name (source, "[authflow] image load cancelled");
  g_source_attach (source, g_task_get_context (task));
  g_source_unref (source);
}

static void
cache_written_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    g_debug ("Could not cache an image: %s", error->message);
}

/* Refuses, from the header alone, an image whose pixels would take far
 * more memory than its bytes: a 47 KB PNG can declare 20000×20000 pixels,
 * 1.6 GB decoded. Sizing the load to nothing makes the decoder stop there.
 */
static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gboolean        *too_large)
{
  if (width > AUTHFLOW_IMAGE_LOADER_MAX_SIDE || height > AUTHFLOW_IMAGE_LOADER_MAX_SIDE)
    {
      *too_large = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
    }
}

/* Decodes in a worker thread: even a picture of sensible size takes a
 * decoder tens of milliseconds. Returns the texture, scaled down to
 * AUTHFLOW_IMAGE_LOADER_SHOWN_SIDE at most, since that is all an avatar shows.
 */
static void
decode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GBytes *bytes = task_data;
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GdkPixbuf) scaled = NULL;
  g_autoptr(GError) error = NULL;
  gboolean too_large = FALSE;
  GdkPixbuf *pixbuf;
  int width, height;
  double scale;

  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &too_large);

  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, &error) ||
      !gdk_pixbuf_loader_close (loader, &error) ||
      (pixbuf = gdk_pixbuf_loader_get_pixbuf (loader)) == NULL)
    {
      /* Closing a loader that failed is what frees its decoder. */
      gdk_pixbuf_loader_close (loader, NULL);

      if (too_large)
        g_task_return_new_error (task, AUTHFLOW_IMAGE_LOADER_ERROR, AUTHFLOW_IMAGE_LOADER_ERROR_TOO_LARGE,
                                 _("The image is larger than %d×%d pixels"),
                                 AUTHFLOW_IMAGE_LOADER_MAX_SIDE, AUTHFLOW_IMAGE_LOADER_MAX_SIDE);
      else
        g_task_return_new_error (task, AUTHFLOW_IMAGE_LOADER_ERROR, AUTHFLOW_IMAGE_LOADER_ERROR_NOT_AN_IMAGE,
                                 "%s", error ? error->message : "no image");
      return;
    }

  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  scale = MIN (1.0, (double) AUTHFLOW_IMAGE_LOADER_SHOWN_SIDE / MAX (width, height));
  if (scale < 1.0)
    pixbuf = scaled = gdk_pixbuf_scale_simple (pixbuf, MAX (1, (int) (width * scale)),
                                               MAX (1, (int) (height * scale)), GDK_INTERP_BILINEAR);

  g_task_return_pointer (task, gdk_texture_new_for_pixbuf (pixbuf), g_object_unref);
}

typedef struct
{
  Fetch    *fetch;
  GBytes   *bytes;
  gboolean  from_network;
} Decode;

static void
decoded_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Decode *decode = user_data;
  Fetch *fetch = decode->fetch;
  g_autoptr(GBytes) bytes = decode->bytes;
  gboolean from_network = decode->from_network;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  g_free (decode);

  if (!(texture = g_task_propagate_pointer (G_TASK (result), &error)))
    {
      g_debug ("The image from %s does not decode: %s", fetch->host, error->message);

      /* A broken cache file is no reason to give up: ask the network. */
      if (!from_network)
        {
          fetch_from_network (fetch);
          return;
        }

      if (g_error_matches (error, AUTHFLOW_IMAGE_LOADER_ERROR, AUTHFLOW_IMAGE_LOADER_ERROR_TOO_LARGE))
        fetch_complete (fetch, NULL, g_steal_pointer (&error));
      else
        fetch_complete (fetch, NULL,
                        g_error_new_literal (AUTHFLOW_IMAGE_LOADER_ERROR,
                                             AUTHFLOW_IMAGE_LOADER_ERROR_NOT_AN_IMAGE,
                                             _("The file is not an image Authflow can show")));
      return;
    }

  if (from_network && fetch->cache_file != NULL)
    {
      g_autoptr(GFile) dir = g_file_get_parent (fetch->cache_file);

      /* Creating a directory that exists is quick and harmless. */
      g_mkdir_with_parents (g_file_peek_path (dir), 0700);
      g_file_replace_contents_bytes_async (fetch->cache_file, bytes, NULL, FALSE,
                                           G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                           NULL, cache_written_cb, NULL);
    }

  fetch_complete (fetch, g_steal_pointer (&texture), NULL);
}

static void
fetch_decode (Fetch    *fetch,
              GBytes   *bytes,
              gboolean  from_network)
{
  g_autoptr(GTask) task = NULL;
  Decode *decode = g_new0 (Decode, 1);

  decode->fetch = fetch;
  decode->bytes = g_bytes_ref (bytes);
  decode->from_network = from_network;

  task = g_task_new (NULL, NULL, decoded_cb, decode);
  g_task_set_source_tag (task, fetch_decode);
  g_task_set_task_data (task, g_bytes_ref (bytes), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, decode_thread);
}

static GError *
too_large_error (Fetch *fetch)
{
  g_autofree char *size = g_format_size (fetch->self->max_bytes);

  return g_error_new (AUTHFLOW_IMAGE_LOADER_ERROR, AUTHFLOW_IMAGE_LOADER_ERROR_TOO_LARGE,
                      _("The image is larger than %s"), size);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fetch *fetch = user_data;
  g_autoptr(GBytes) chunk = NULL;
  g_autoptr(GError) error = NULL;

  if (!(chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error)))
    {
      fetch_complete (fetch, NULL, g_steal_pointer (&error));
      return;
    }

  if (g_bytes_get_size (chunk) == 0)
    {
      g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&fetch->buffer));

      fetch_decode (fetch, bytes, TRUE);
      return;
    }

  /* Dropping the stream closes the connection: the rest is not read. */
  if (fetch->buffer->len + g_bytes_get_size (chunk) > fetch->self->max_bytes)
    {
      fetch_complete (fetch, NULL, too_large_error (fetch));
      return;
    }

  g_byte_array_append (fetch->buffer,
                       g_bytes_get_data (chunk, NULL),
                       g_bytes_get_size (chunk));
  g_input_stream_read_bytes_async (fetch->stream, READ_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   fetch->cancellable, read_cb, fetch);
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fetch *fetch = user_data;
  SoupMessageHeaders *headers;
  g_autoptr(GError) error = NULL;
  guint status;

  if (!(fetch->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error)))
    {
      fetch_complete (fetch, NULL, g_steal_pointer (&error));
      return;
    }

  status = soup_message_get_status (fetch->message);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      fetch_complete (fetch, NULL,
                      g_error_new (AUTHFLOW_IMAGE_LOADER_ERROR, AUTHFLOW_IMAGE_LOADER_ERROR_HTTP,
                                   _("The image could not be loaded (HTTP %u)"), status));
      return;
    }

  headers = soup_message_get_response_headers (fetch->message);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > fetch->self->max_bytes)
    {
      fetch_complete (fetch, NULL, too_large_error (fetch));
      return;
    }

  fetch->buffer = g_byte_array_new ();
  g_input_stream_read_bytes_async (fetch->stream, READ_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   fetch->cancellable, read_cb, fetch);
}

static void
fetch_from_network (Fetch *fetch)
{
  g_debug ("Requesting an image from %s", fetch->host);

  fetch->message = soup_message_new (SOUP_METHOD_GET, fetch->url);
  soup_session_send_async (fetch->self->session, fetch->message, G_PRIORITY_DEFAULT,
                           fetch->cancellable, send_cb, fetch);
}

static void
cache_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *fetch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (G_FILE (object), result, &contents, &length, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fetch_complete (fetch, NULL, g_steal_pointer (&error));
      else
        fetch_from_network (fetch);
      return;
    }

  g_debug ("Found the image from %s in the disk cache", fetch->host);
  bytes = g_bytes_new_take (contents, length);
  fetch_decode (fetch, bytes, FALSE);
}

/* Only https, or plain http to this machine (a local test server). */
static gboolean
url_is_allowed (GUri *uri)
{
  const char *scheme = g_uri_get_scheme (uri);
  const char *host = g_uri_get_host (uri);
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL || host[0] == '\0')
    return FALSE;

  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;

  if (g_ascii_strcasecmp (scheme, "http") != 0)
    return FALSE;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static void
authflow_image_loader_finalize (GObject *object)
{
  AuthflowImageLoader *self = (AuthflowImageLoader *)object;

  /* Every fetch holds the loader, so none can be under way here. */
  g_assert (g_hash_table_size (self->fetches) == 0);

  g_clear_object (&self->session);
  g_clear_pointer (&self->cache_dir, g_free);
  g_clear_pointer (&self->textures, g_hash_table_unref);
  g_clear_pointer (&self->fetches, g_hash_table_unref);

  G_OBJECT_CLASS (authflow_image_loader_parent_class)->finalize (object);
}

static void
authflow_image_loader_class_init (AuthflowImageLoaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authflow_image_loader_finalize;
}

static void
authflow_image_loader_init (AuthflowImageLoader *self)
{
  self->max_bytes = AUTHFLOW_IMAGE_LOADER_DEFAULT_MAX_BYTES;
  self->textures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->fetches = g_hash_table_new (g_str_hash, g_str_equal);
  self->session = soup_session_new_with_options ("timeout", TIMEOUT_SECONDS,
                                                 "user-agent", PACKAGE_NAME "/" PACKAGE_VERSION,
                                                 NULL);
}

/**
 * authflow_image_loader_new:
 * @cache_dir: (nullable): where to keep loaded images across runs, or %NULL
 *   to keep them in memory only
 */
AuthflowImageLoader *
authflow_image_loader_new (const char *cache_dir)
{
  AuthflowImageLoader *self = g_object_new (AUTHFLOW_TYPE_IMAGE_LOADER, NULL);

  self->cache_dir = g_strdup (cache_dir);

  return self;
}

guint
authflow_image_loader_get_max_bytes (AuthflowImageLoader *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_IMAGE_LOADER (self), 0);

  return self->max_bytes;
}

/**
 * authflow_image_loader_set_max_bytes:
 *
 * Sets the largest image, in bytes, that a load accepts. Loads under way
 * check against the new limit from their next read on.
 */
void
authflow_image_loader_set_max_bytes (AuthflowImageLoader *self,
                                     guint                max_bytes)
{
  g_return_if_fail (AUTHFLOW_IS_IMAGE_LOADER (self));
  g_return_if_fail (max_bytes > 0);

  self->max_bytes = max_bytes;
}

/**
 * authflow_image_loader_load_async:
 * @url: an https:// URL, or an http:// one to this machine
 *
 * Loads the image at @url, from memory, the disk cache or the network in
 * that order. Loads of the same URL that overlap share one request.
 */
void
authflow_image_loader_load_async (AuthflowImageLoader *self,
                                  const char          *url,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) uri = NULL;
  GdkTexture *texture;
  Waiter *waiter;
  Fetch *fetch;

  g_return_if_fail (AUTHFLOW_IS_IMAGE_LOADER (self));
  g_return_if_fail (url != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_image_loader_load_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL || !url_is_allowed (uri))
    {
      g_task_return_new_error (task, AUTHFLOW_IMAGE_LOADER_ERROR,
                               AUTHFLOW_IMAGE_LOADER_ERROR_NOT_ALLOWED,
                               "%s", _("Only https:// images are loaded"));
      return;
    }

  if ((texture = g_hash_table_lookup (self->textures, url)))
    {
      g_task_return_pointer (task, g_object_ref (texture), g_object_unref);
      return;
    }

  if (!(fetch = g_hash_table_lookup (self->fetches, url)))
    {
      fetch = g_new0 (Fetch, 1);
      fetch->self = g_object_ref (self);
      fetch->url = g_strdup (url);
      fetch->host = g_strdup (g_uri_get_host (uri));
      fetch->cancellable = g_cancellable_new ();
      fetch->waiters = g_ptr_array_new ();
      g_hash_table_insert (self->fetches, fetch->url, fetch);

      if (self->cache_dir != NULL)
        {
          g_autofree char *name = g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);
          g_autofree char *path = g_build_filename (self->cache_dir, name, NULL);

          fetch->cache_file = g_file_new_for_path (path);
        }
    }
  else
    {
      g_debug ("Joining the load under way from %s", fetch->host);
    }

  waiter = g_new0 (Waiter, 1);
  waiter->fetch = fetch;
  g_task_set_task_data (task, waiter, (GDestroyNotify) waiter_free);
  g_ptr_array_add (fetch->waiters, g_object_ref (task));

  if (cancellable != NULL)
    {
      waiter->cancellable = g_object_ref (cancellable);
      waiter->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (waiter_cancelled_cb),
                                                    task, NULL);
    }

  if (fetch->waiters->len > 1)
    return;

  if (fetch->cache_file != NULL)
    g_file_load_contents_async (fetch->cache_file, fetch->cancellable, cache_read_cb, fetch);
  else
    fetch_from_network (fetch);
}

/**
 * authflow_image_loader_load_finish:
 *
 * Returns: (transfer full): the image, or %NULL with @error set
 */
GdkTexture *
authflow_image_loader_load_finish (AuthflowImageLoader  *self,
                                   GAsyncResult         *result,
                                   GError              **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_IMAGE_LOADER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == authflow_image_loader_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
