// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "authflow-test-core.h"
#include "authflow-test-utils.h"

/* Helpers for the tests that drive the core: they link the core, which
 * authflow-test-utils.c does not.
 */

/**
 * authflow_test_finalize_flow:
 *
 * Shuts @flow down, releases it and waits until the calls it had out are
 * gone and it is finalized.
 */
void
authflow_test_finalize_flow (AuthflowFlow *flow)
{
  authflow_flow_shutdown (flow);
  g_object_add_weak_pointer (G_OBJECT (flow), (gpointer *) &flow);
  g_object_unref (flow);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, flow == NULL));
}

/**
 * authflow_test_clear_stored:
 *
 * Removes what @store holds for its backend, and waits until it is done.
 */
void
authflow_test_clear_stored (AuthflowSessionStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  authflow_session_store_clear_async (store, NULL, authflow_test_got_result_cb, &result);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 30000, result != NULL));
  authflow_session_store_clear_finish (store, result, &error);
  g_assert_no_error (error);
}

/**
 * authflow_test_object_of:
 * @answer: (transfer full) (nullable): an answer, as a call's finish gives it
 *
 * For the tests whose servers answer with objects.
 *
 * Returns: (transfer full) (nullable): @answer's object, or %NULL for no
 *   answer
 */
JsonObject *
authflow_test_object_of (JsonNode *answer)
{
  g_autoptr(JsonNode) node = answer;

  if (node == NULL)
    return NULL;

  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return json_object_ref (json_node_get_object (node));
}
