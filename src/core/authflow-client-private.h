// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <libsoup/soup.h>

#include "authflow-client.h"
#include "authflow-journal.h"

G_BEGIN_DECLS

/* What authflow-client.c and authflow-client-journal.c share: how the
 * client describes its exchanges and the answers it reads to the journal,
 * redacted before anything is kept.
 */

/* The secrets that one exchange carries, so that they can be told apart
 * from everything else in it wherever they appear. Each list is
 * %NULL-terminated; the copies are wiped when freed.
 */
typedef struct _AuthflowSecrets AuthflowSecrets;

void                authflow_client_wipe_free                 (gpointer              secret);

AuthflowSecrets    *authflow_secrets_new                      (void);
void                authflow_secrets_free                     (AuthflowSecrets      *secrets);
void                authflow_secrets_add                      (AuthflowSecrets      *secrets,
                                                               AuthflowJournalSecret kind,
                                                               const char           *secret);
const char * const *authflow_secrets_get_tokens               (AuthflowSecrets      *secrets);
const char * const *authflow_secrets_get_passwords            (AuthflowSecrets      *secrets);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthflowSecrets, authflow_secrets_free)

char               *authflow_client_redact_header             (const char           *name,
                                                               const char           *value,
                                                               AuthflowSecrets      *secrets);
char               *authflow_client_redact_url                (GUri                 *uri,
                                                               AuthflowSecrets      *secrets);
void                authflow_client_describe_exchange         (JsonObject           *details,
                                                               SoupMessage          *message,
                                                               gboolean              answered,
                                                               GBytes               *request_body,
                                                               const char           *request_content_type,
                                                               GByteArray           *response_data,
                                                               AuthflowSecrets      *secrets,
                                                               GDateTime            *started_at,
                                                               gint64                started,
                                                               gint64                ended);
void                authflow_client_describe_injected_answer  (JsonObject           *details,
                                                               guint                 status,
                                                               SoupMessageHeaders   *headers,
                                                               GBytes               *body,
                                                               AuthflowSecrets      *secrets);
char               *authflow_client_summarize_exchange        (SoupMessage          *message,
                                                               gboolean              answered,
                                                               const char           *failure,
                                                               gint64                duration_us,
                                                               AuthflowSecrets      *secrets);

char               *authflow_client_match_string              (JsonNode             *answer,
                                                               const char           *path,
                                                               char                **why_missing);
JsonObject         *authflow_client_describe_found            (const char           *path,
                                                               JsonNode             *answer,
                                                               gboolean              is_token);
JsonObject         *authflow_client_describe_missing          (const char           *path,
                                                               const char           *why);
JsonObject         *authflow_client_describe_user             (const char           *path,
                                                               AuthflowUser         *user,
                                                               AuthflowSecrets      *secrets);
char               *authflow_client_why_no_user               (JsonNode             *answer,
                                                               const char           *path);

G_END_DECLS
