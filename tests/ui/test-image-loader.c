// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <gtk/gtk.h>
#include <libsoup/soup.h>

#include "authflow-image-loader.h"
#include "authflow-test-utils.h"

/* The avatar loader against a real SoupServer on 127.0.0.1 that serves a
 * PNG made here, a 404, a body over the limit with and without a
 * Content-Length, text, and an answer that never comes. The server counts
 * the requests per path, which is how the tests see the caches at work.
 */

#define WAIT_MS 5000
#define PNG_WIDTH 3
#define PNG_HEIGHT 2
#define BIG_SIZE (2 * 1024 * 1024)

typedef struct
{
  SoupServer *server;
  char       *base_url;
  GHashTable *requests;
  GBytes     *png;
  char       *cache_dir;
} Fixture;

static GBytes *
make_png (void)
{
  static const guint8 pixels[PNG_WIDTH * PNG_HEIGHT * 4] = {
    255, 0, 0, 255,   0, 255, 0, 255,   0, 0, 255, 255,
    0, 0, 0, 255,     255, 255, 255, 255, 128, 128, 128, 128,
  };
  g_autoptr(GBytes) bytes = g_bytes_new_static (pixels, sizeof pixels);
  g_autoptr(GdkTexture) texture = gdk_memory_texture_new (PNG_WIDTH, PNG_HEIGHT,
                                                          GDK_MEMORY_R8G8B8A8,
                                                          bytes, PNG_WIDTH * 4);

  return gdk_texture_save_to_png_bytes (texture);
}

static guint32
crc32 (const guint8 *data,
       gsize         len,
       guint32       crc)
{
  crc = ~crc;
  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (guint k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
    }

  return ~crc;
}

static void
append_chunk (GByteArray   *png,
              const char   *type,
              const guint8 *data,
              gsize         len)
{
  guint32 be_len = GUINT32_TO_BE ((guint32) len);
  guint32 crc;

  g_byte_array_append (png, (const guint8 *) &be_len, 4);
  g_byte_array_append (png, (const guint8 *) type, 4);
  g_byte_array_append (png, data, len);
  crc = crc32 ((const guint8 *) type, 4, 0);
  crc = GUINT32_TO_BE (crc32 (data, len, crc));
  g_byte_array_append (png, (const guint8 *) &crc, 4);
}

/* A real, valid black PNG of @side × @side pixels, one bit each: 20000 ×
 * 20000 compresses to some 50 KB, and decodes to 1.6 GB of RGBA.
 */
static GBytes *
make_bilevel_png (guint32 side)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autoptr(GByteArray) png = g_byte_array_new ();
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 9);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) zlib = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  gsize row_size = 1 + (side + 7) / 8;
  g_autofree guint8 *row = g_malloc0 (row_size);
  guint8 ihdr[13] = { 0 };
  guint32 be_side = GUINT32_TO_BE (side);

  memcpy (ihdr, &be_side, 4);
  memcpy (ihdr + 4, &be_side, 4);
  ihdr[8] = 1;  /* bit depth */
  ihdr[9] = 0;  /* greyscale */

  for (guint32 y = 0; y < side; y++)
    g_assert_true (g_output_stream_write_all (zlib, row, row_size, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (zlib, NULL, NULL));

  g_byte_array_append (png, signature, sizeof signature);
  append_chunk (png, "IHDR", ihdr, sizeof ihdr);
  append_chunk (png, "IDAT",
                g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (memory)),
                g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (memory)));
  append_chunk (png, "IEND", NULL, 0);

  return g_byte_array_free_to_bytes (g_steal_pointer (&png));
}

static guint
count_requests (Fixture    *f,
                const char *path)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (f->requests, path));
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  g_hash_table_insert (f->requests, g_strdup (path),
                       GUINT_TO_POINTER (count_requests (f, path) + 1));

  if (g_str_equal (path, "/avatar.png") || g_str_equal (path, "/other.png"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (f->png, NULL),
                                        g_bytes_get_size (f->png));
    }
  else if (g_str_equal (path, "/huge-pixels.png") || g_str_equal (path, "/large-pixels.png"))
    {
      g_autoptr(GBytes) png = make_bilevel_png (g_str_equal (path, "/huge-pixels.png") ? 20000 : 1000);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (png, NULL), g_bytes_get_size (png));
    }
  else if (g_str_equal (path, "/big.png"))
    {
      g_autofree char *data = g_malloc0 (BIG_SIZE);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_TAKE,
                                        g_steal_pointer (&data), BIG_SIZE);
    }
  else if (g_str_equal (path, "/chunked.png"))
    {
      /* No Content-Length: only counting the bytes read finds it too big. */
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (headers, "image/png", NULL);
      for (guint i = 0; i < BIG_SIZE / 65536; i++)
        soup_message_body_append_take (body, g_malloc0 (65536), 65536);
      soup_message_body_complete (body);
    }
  else if (g_str_equal (path, "/text.png"))
    {
      static const char text[] = "<html>Not an image</html>";

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_STATIC,
                                        text, sizeof text - 1);
    }
  else if (g_str_equal (path, "/slow.png"))
    {
      /* Never answered: the client cancels. */
      soup_server_message_pause (msg);
    }
  else
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    }
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  f->png = make_png ();
  f->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->cache_dir = g_dir_make_tmp ("authflow-image-loader-XXXXXX", &error);
  g_assert_no_error (error);

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, NULL, server_cb, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (f->server);
  f->base_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  soup_server_disconnect (f->server);
  g_assert_finalize_object (f->server);
  authflow_test_remove_tree (f->cache_dir);
  g_free (f->cache_dir);
  g_free (f->base_url);
  g_hash_table_unref (f->requests);
  g_bytes_unref (f->png);
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

/* Loads @path from the test server, or @url when it is absolute. */
static GdkTexture *
load (Fixture              *f,
      AuthflowImageLoader  *loader,
      const char           *path,
      GError              **error)
{
  g_autofree char *url = g_str_has_prefix (path, "/") ? g_strconcat (f->base_url, path, NULL) : g_strdup (path);
  g_autoptr(GAsyncResult) result = NULL;

  authflow_image_loader_load_async (loader, url, NULL, result_cb, &result);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, WAIT_MS, result != NULL));

  return authflow_image_loader_load_finish (loader, result, error);
}

static void
assert_png (GdkTexture *texture)
{
  g_assert_true (GDK_IS_TEXTURE (texture));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, PNG_WIDTH);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, PNG_HEIGHT);
}

static void
test_memory_cache (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(AuthflowImageLoader) loader = authflow_image_loader_new (NULL);
  g_autoptr(GdkTexture) first = NULL;
  g_autoptr(GdkTexture) second = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (authflow_image_loader_get_max_bytes (loader), ==, 1024 * 1024);

  first = load (f, loader, "/avatar.png?token=secret", &error);
  g_assert_no_error (error);
  assert_png (first);
  g_assert_cmpuint (count_requests (f, "/avatar.png"), ==, 1);

  second = load (f, loader, "/avatar.png?token=secret", &error);
  g_assert_no_error (error);
  g_assert_true (second == first);
  g_assert_cmpuint (count_requests (f, "/avatar.png"), ==, 1);

  g_assert_finalize_object (g_steal_pointer (&loader));
}

static goffset
file_size (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);

  return info != NULL ? g_file_info_get_size (info) : -1;
}

static void
test_disk_cache (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(AuthflowImageLoader) loader = authflow_image_loader_new (f->cache_dir);
  g_autoptr(AuthflowImageLoader) fresh = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strconcat (f->base_url, "/avatar.png", NULL);
  g_autofree char *name = g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);
  g_autofree char *path = g_build_filename (f->cache_dir, name, NULL);

  texture = load (f, loader, "/avatar.png", &error);
  g_assert_no_error (error);
  assert_png (texture);
  g_clear_object (&texture);
  g_assert_cmpuint (count_requests (f, "/avatar.png"), ==, 1);

  /* A new file is written in place, so wait for all of it. */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, WAIT_MS, file_size (path) == g_bytes_get_size (f->png)));
  g_assert_finalize_object (g_steal_pointer (&loader));

  fresh = authflow_image_loader_new (f->cache_dir);
  texture = load (f, fresh, "/avatar.png", &error);
  g_assert_no_error (error);
  assert_png (texture);
  g_assert_cmpuint (count_requests (f, "/avatar.png"), ==, 1);

  g_clear_object (&texture);
  g_assert_finalize_object (g_steal_pointer (&fresh));
}

static void
test_shared_request (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(AuthflowImageLoader) loader = authflow_image_loader_new (NULL);
  g_autofree char *url = g_strconcat (f->base_url, "/other.png", NULL);
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(GdkTexture) first_texture = NULL;
  g_autoptr(GdkTexture) second_texture = NULL;
  g_autoptr(GError) error = NULL;

  authflow_image_loader_load_async (loader, url, NULL, result_cb, &first);
  authflow_image_loader_load_async (loader, url, NULL, result_cb, &second);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, WAIT_MS, first != NULL && second != NULL));

  first_texture = authflow_image_loader_load_finish (loader, first, &error);
  g_assert_no_error (error);
  second_texture = authflow_image_loader_load_finish (loader, second, &error);
  g_assert_no_error (error);
  assert_png (first_texture);
  g_assert_true (first_texture == second_texture);
  g_assert_cmpuint (count_requests (f, "/other.png"), ==, 1);
}

/* One of two loads that share a request gives up; the other still gets it. */
static void
test_shared_request_cancel (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(AuthflowImageLoader) loader = authflow_image_loader_new (NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = g_strconcat (f->base_url, "/other.png", NULL);
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(GdkTexture) first_texture = NULL;
  g_autoptr(GdkTexture) second_texture = NULL;
  g_autoptr(GError) error = NULL;

  authflow_image_loader_load_async (loader, url, cancellable, result_cb, &first);
  authflow_image_loader_load_async (loader, url, NULL, result_cb, &second);
  g_cancellable_cancel (cancellable);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, WAIT_MS, first != NULL && second != NULL));

  first_texture = authflow_image_loader_load_finish (loader, first, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (first_texture);
  g_clear_error (&error);

  second_texture = authflow_image_loader_load_finish (loader, second, &error);
  g_assert_no_error (error);
  assert_png (second_texture);
  g_assert_cmpuint (count_requests (f, "/other.png"), ==, 1);
}

static void
assert_load_fails (Fixture    *f,
                   const char *path,
                   GQuark      domain,
                   int         code,
                   const char *message)
{
  g_autoptr(AuthflowImageLoader) loader = authflow_image_loader_new (f->cache_dir);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = load (f, loader, path, &error);
  g_assert_null (texture);
  g_assert_error (error, domain, code);
  g_assert_cmpstr (error->message, ==, message);

  /* Nothing that failed is cached. */
  g_assert_finalize_object (g_steal_pointer (&loader));
}

static void
test_not_found (Fixture       *f,
                gconstpointer  data)
{
  assert_load_fails (f, "/missing.png", AUTHFLOW_IMAGE_LOADER_ERROR,
                     AUTHFLOW_IMAGE_LOADER_ERROR_HTTP,
                     "The image could not be loaded (HTTP 404)");
}

static void
test_too_large (Fixture       *f,
                gconstpointer  data)
{
  assert_load_fails (f, "/big.png", AUTHFLOW_IMAGE_LOADER_ERROR,
                     AUTHFLOW_IMAGE_LOADER_ERROR_TOO_LARGE,
                     "The image is larger than 1.0\u00a0MB");
}

static void
test_too_large_chunked (Fixture       *f,
                        gconstpointer  data)
{
  assert_load_fails (f, "/chunked.png", AUTHFLOW_IMAGE_LOADER_ERROR,
                     AUTHFLOW_IMAGE_LOADER_ERROR_TOO_LARGE,
                     "The image is larger than 1.0\u00a0MB");
}

static void
test_max_bytes (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(AuthflowImageLoader) loader = authflow_image_loader_new (NULL);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  authflow_image_loader_set_max_bytes (loader, 10);
  g_assert_cmpuint (authflow_image_loader_get_max_bytes (loader), ==, 10);

  texture = load (f, loader, "/avatar.png", &error);
  g_assert_null (texture);
  g_assert_error (error, AUTHFLOW_IMAGE_LOADER_ERROR, AUTHFLOW_IMAGE_LOADER_ERROR_TOO_LARGE);
  g_assert_cmpstr (error->message, ==, "The image is larger than 10 bytes");
}

/* Few bytes, many pixels: refused from the header, before any decoding. */
static void
test_too_many_pixels (Fixture       *f,
                      gconstpointer  data)
{
  assert_load_fails (f, "/huge-pixels.png", AUTHFLOW_IMAGE_LOADER_ERROR,
                     AUTHFLOW_IMAGE_LOADER_ERROR_TOO_LARGE,
                     "The image is larger than 4096×4096 pixels");
}

/* An image larger than an avatar shows is kept at the size it is shown. */
static void
test_scaled_down (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(AuthflowImageLoader) loader = authflow_image_loader_new (NULL);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = load (f, loader, "/large-pixels.png", &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, AUTHFLOW_IMAGE_LOADER_SHOWN_SIDE);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, AUTHFLOW_IMAGE_LOADER_SHOWN_SIDE);
}

static void
test_not_an_image (Fixture       *f,
                   gconstpointer  data)
{
  assert_load_fails (f, "/text.png", AUTHFLOW_IMAGE_LOADER_ERROR,
                     AUTHFLOW_IMAGE_LOADER_ERROR_NOT_AN_IMAGE,
                     "The file is not an image Authflow can show");
}

static void
test_not_allowed (Fixture       *f,
                  gconstpointer  data)
{
  static const char *const urls[] = {
    "http://example.com/a.png",
    "http://127.0.0.1.example.com/a.png",
    "ftp://127.0.0.1/a.png",
    "file:///etc/passwd",
    "not a url",
    "",
  };
  g_autoptr(AuthflowImageLoader) loader = authflow_image_loader_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      g_autoptr(GError) error = NULL;

      authflow_image_loader_load_async (loader, urls[i], NULL, result_cb, &result);

      /* Refused before any I/O: one main loop turn delivers the answer. */
      g_assert_null (result);
      g_main_context_iteration (NULL, FALSE);
      g_assert_nonnull (result);

      texture = authflow_image_loader_load_finish (loader, result, &error);
      g_assert_null (texture);
      g_assert_error (error, AUTHFLOW_IMAGE_LOADER_ERROR, AUTHFLOW_IMAGE_LOADER_ERROR_NOT_ALLOWED);
      g_assert_cmpstr (error->message, ==, "Only https:// images are loaded");
    }

  g_assert_cmpuint (g_hash_table_size (f->requests), ==, 0);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(AuthflowImageLoader) loader = authflow_image_loader_new (f->cache_dir);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = g_strconcat (f->base_url, "/slow.png", NULL);
  AuthflowImageLoader *weak = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  authflow_image_loader_load_async (loader, url, cancellable, result_cb, &result);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, WAIT_MS, count_requests (f, "/slow.png") == 1));
  g_assert_null (result);

  g_cancellable_cancel (cancellable);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, WAIT_MS, result != NULL));

  texture = authflow_image_loader_load_finish (loader, result, &error);
  g_assert_null (texture);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* The request itself is dropped too, which lets the loader go. */
  g_object_add_weak_pointer (G_OBJECT (loader), (gpointer *) &weak);
  g_clear_object (&loader);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, WAIT_MS, weak == NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (!gtk_init_check ())
    return 77;

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/image-loader/memory-cache", test_memory_cache);
  ADD ("/image-loader/disk-cache", test_disk_cache);
  ADD ("/image-loader/shared-request", test_shared_request);
  ADD ("/image-loader/shared-request-cancel", test_shared_request_cancel);
  ADD ("/image-loader/not-found", test_not_found);
  ADD ("/image-loader/too-large", test_too_large);
  ADD ("/image-loader/too-large-chunked", test_too_large_chunked);
  ADD ("/image-loader/max-bytes", test_max_bytes);
  ADD ("/image-loader/not-an-image", test_not_an_image);
  ADD ("/image-loader/too-many-pixels", test_too_many_pixels);
  ADD ("/image-loader/scaled-down", test_scaled_down);
  ADD ("/image-loader/not-allowed", test_not_allowed);
  ADD ("/image-loader/cancel", test_cancel);
#undef ADD

  return g_test_run ();
}
