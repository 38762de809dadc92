/* mode-glib.h: the umbrella header of mode-glib
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#define MODE_INSIDE

#include <glib-object.h>
#include <gio/gio.h>

#include "mode-version.h"
#include "mode-version-macros.h"
#include "mode-enums.h"
#include "mode-error.h"
#include "mode-clock.h"
#include "mode-event.h"
#include "mode-node.h"
#include "mode-graph.h"
#include "mode-cron.h"
#include "mode-timer.h"
#include "mode-service.h"
#include "mode-bucket.h"
#include "mode-supervisor.h"
#include "mode-service-thread.h"
#include "mode-service-proxy.h"
#include "mode-worker.h"
#include "mode-blocking-detector.h"
#include "mode-queue.h"

#undef MODE_INSIDE
