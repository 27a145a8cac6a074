// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How long the helpers wait for the server binary to start or stop. */
#define AUTHFLOW_TEST_SERVER_TIMEOUT_MS 15000

typedef struct _AuthflowTestServer AuthflowTestServer;

typedef gboolean (*AuthflowTestCondition) (gpointer user_data);

AuthflowTestServer *authflow_test_server_start       (const char *const      *extra_args,
                                                      GError                **error);
gboolean            authflow_test_server_stop        (AuthflowTestServer     *self,
                                                      GError                **error);
gboolean            authflow_test_server_kill        (AuthflowTestServer     *self,
                                                      GError                **error);
gboolean            authflow_test_server_restart     (AuthflowTestServer     *self,
                                                      GError                **error);
void                authflow_test_server_free        (AuthflowTestServer     *self);

const char         *authflow_test_server_get_url     (AuthflowTestServer     *self);
guint               authflow_test_server_get_port    (AuthflowTestServer     *self);
const char         *authflow_test_server_get_db_path (AuthflowTestServer     *self);
const char         *authflow_test_server_get_tmpdir  (AuthflowTestServer     *self);
gboolean            authflow_test_server_is_running  (AuthflowTestServer     *self);
GPid                authflow_test_server_get_pid     (AuthflowTestServer     *self);

gboolean            authflow_test_wait_until         (GMainContext           *context,
                                                      guint                   timeout_ms,
                                                      AuthflowTestCondition   condition,
                                                      gpointer                user_data);
void                authflow_test_iterate_until      (GMainContext           *context,
                                                      gint64                  deadline);
void                authflow_test_wait               (GMainContext           *context,
                                                      guint                   ms);
void                authflow_test_remove_tree        (const char             *path);
void                authflow_test_got_result_cb      (GObject                *object,
                                                      GAsyncResult           *result,
                                                      gpointer                user_data);

/**
 * AUTHFLOW_TEST_WAIT_UNTIL:
 * @context: (nullable): the main context to spin, %NULL for the default one
 * @timeout_ms: how long to wait at most
 * @expr: the condition, evaluated again after each main loop iteration
 *
 * Spins @context until @expr holds or @timeout_ms pass. Evaluates to
 * whether @expr held in the end.
 */
#define AUTHFLOW_TEST_WAIT_UNTIL(context, timeout_ms, expr) \
  G_GNUC_EXTENSION ({ \
    gint64 _authflow_deadline = g_get_monotonic_time () + (gint64) (timeout_ms) * 1000; \
    gboolean _authflow_done; \
    while (!(_authflow_done = !!(expr)) && g_get_monotonic_time () < _authflow_deadline) \
      authflow_test_iterate_until ((context), _authflow_deadline); \
    _authflow_done; \
  })

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthflowTestServer, authflow_test_server_free)

G_END_DECLS
