/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test.NoSymbol: a shared object that loads but does not export
 * oi_ui_plugin, which the host must refuse with a clear reason. */
#include "oi_ui.h"

/* Something visible, so the object is not empty; deliberately not the
 * plugin symbol. */
OI_UI_EXPORT const int oi_ui_not_a_plugin = 1;
