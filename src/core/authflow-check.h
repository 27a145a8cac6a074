// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "authflow-check-item.h"
#include "authflow-journal.h"
#include "authflow-profile.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_CHECK (authflow_check_get_type ())

/* The version of the JSON report, its "version" member. */
#define AUTHFLOW_CHECK_REPORT_VERSION 1

/* The prefix of every user that the check signs up, so that it is plain on
 * the server what made it.
 */
#define AUTHFLOW_CHECK_USERNAME_PREFIX "authflow-check-"

G_DECLARE_FINAL_TYPE (AuthflowCheck, authflow_check, AUTHFLOW, CHECK, GObject)

AuthflowCheck      *authflow_check_new                (AuthflowProfile      *profile,
                                                       const char           *base_url);
AuthflowProfile    *authflow_check_get_profile        (AuthflowCheck        *self);
const char         *authflow_check_get_base_url       (AuthflowCheck        *self);
void                authflow_check_set_credentials    (AuthflowCheck        *self,
                                                       const char           *username,
                                                       const char           *password);
const char         *authflow_check_get_username       (AuthflowCheck        *self);
gboolean            authflow_check_get_sign_up        (AuthflowCheck        *self);
void                authflow_check_set_sign_up        (AuthflowCheck        *self,
                                                       gboolean              sign_up);
guint               authflow_check_get_timeout        (AuthflowCheck        *self);
void                authflow_check_set_timeout        (AuthflowCheck        *self,
                                                       guint                 timeout_seconds);
GListModel         *authflow_check_get_items          (AuthflowCheck        *self);
AuthflowCheckItem  *authflow_check_lookup_item        (AuthflowCheck        *self,
                                                       const char           *id);
gboolean            authflow_check_get_running        (AuthflowCheck        *self);
AuthflowCheckState  authflow_check_get_outcome        (AuthflowCheck        *self);
AuthflowJournal    *authflow_check_get_journal        (AuthflowCheck        *self);
void                authflow_check_run_async          (AuthflowCheck        *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean            authflow_check_run_finish         (AuthflowCheck        *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
char               *authflow_check_dup_heading        (AuthflowCheck        *self);
char               *authflow_check_dup_summary        (AuthflowCheck        *self);
char              **authflow_check_dup_report_lines   (AuthflowCheck        *self,
                                                       gboolean              color);
JsonNode           *authflow_check_to_json            (AuthflowCheck        *self);

G_END_DECLS
