// SPDX-License-Identifier: GPL-2.0
/*
 * The aeration= boot parameter: "off", "auto", or a comma-separated
 * preference list such as "xen,virtio".  Bad values are reported and
 * ignored; they never stop the boot.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/string.h>
#endif

#include "aeration.h"

static const char *const aer_names[AER_NR_BACKENDS] = {
	[AER_BACKEND_XEN] = "xen",
	[AER_BACKEND_HYPERV] = "hyperv",
	[AER_BACKEND_HV_BALLOON] = "hv_balloon",
	[AER_BACKEND_VIRTIO] = "virtio",
};

const char *aer_backend_name(enum aer_backend_id id)
{
	return id < AER_NR_BACKENDS ? aer_names[id] : "none";
}

static void aer_policy_auto(struct aer_policy *p)
{
	unsigned int i;

	p->off = false;
	p->named = false;
	p->nr = AER_NR_BACKENDS;
	for (i = 0; i < AER_NR_BACKENDS; i++)
		p->pref[i] = i;
}

static int aer_lookup(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < AER_NR_BACKENDS; i++)
		if (strlen(aer_names[i]) == len && !strncmp(name, aer_names[i], len))
			return i;
	return -1;
}

/* Parse @val into @p.  Anything unusable leaves "auto" in place. */
void aer_policy_parse(struct aer_policy *p, const char *val)
{
	const char *tok, *end;
	size_t len;
	int id;

	aer_policy_auto(p);
	if (!val || !*val) {
		pr_warn("aeration: empty aeration=, using auto\n");
		return;
	}
	if (strlen(val) > AER_POLICY_MAX_LEN) {
		pr_warn("aeration: aeration= longer than %d characters, using auto\n",
			AER_POLICY_MAX_LEN);
		return;
	}
	if (!strcmp(val, "auto"))
		return;
	if (!strcmp(val, "off")) {
		p->off = true;
		p->nr = 0;
		return;
	}

	p->nr = 0;
	p->named = true;
	for (tok = val; *tok; tok = *end ? end + 1 : end) {
		end = strchr(tok, ',');
		if (!end)
			end = tok + strlen(tok);
		len = end - tok;
		id = aer_lookup(tok, len);
		if (id < 0) {
			pr_warn("aeration: unknown backend '%.*s' in aeration=, ignored (known: xen, hyperv, hv_balloon, virtio, or off/auto alone)\n",
				(int)len, tok);
		} else if (aer_policy_rank(p, id) >= 0) {
			pr_warn("aeration: backend '%s' repeated in aeration=, ignored\n",
				aer_names[id]);
		} else {
			p->pref[p->nr++] = id;
		}
	}
	if (!p->nr) {
		pr_warn("aeration: no known backend in aeration=%s, using auto\n",
			val);
		aer_policy_auto(p);
	}
}

/* Position of @id in the preference list, or -1 if not allowed. */
int aer_policy_rank(const struct aer_policy *p, enum aer_backend_id id)
{
	unsigned int i;

	for (i = 0; i < p->nr; i++)
		if (p->pref[i] == id)
			return i;
	return -1;
}
