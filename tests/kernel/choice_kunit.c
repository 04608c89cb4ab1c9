// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases: which backend aeration= chooses, in whatever order backends
 * arrive and leave, page reporting devices included.  Part of the aeration
 * suite: included by linux-glue/aeration_kunit.c, whose test backend and
 * helpers they use.
 */

/*
 * The policy's behaviour: the backends it lists, in the order given (what
 * sysfs shows), and which ones aeration_register() accepts (it reads only
 * the sign of the rank).
 */
static void aeration_test_policy(struct kunit *test)
{
	struct aer_policy p;

	aer_policy_parse(&p, "virtio,nosuch,xen");
	KUNIT_EXPECT_FALSE(test, p.off);
	KUNIT_ASSERT_EQ(test, p.nr, 2U);
	KUNIT_EXPECT_STREQ(test, aer_backend_name(p.pref[0]), "virtio");
	KUNIT_EXPECT_STREQ(test, aer_backend_name(p.pref[1]), "xen");
	KUNIT_EXPECT_GE(test, aer_policy_rank(&p, AER_BACKEND_VIRTIO), 0);
	KUNIT_EXPECT_GE(test, aer_policy_rank(&p, AER_BACKEND_XEN), 0);
	KUNIT_EXPECT_LT(test, aer_policy_rank(&p, AER_BACKEND_HYPERV), 0);
	aer_policy_parse(&p, "off");
	KUNIT_EXPECT_TRUE(test, p.off);
	KUNIT_EXPECT_LT(test, aer_policy_rank(&p, AER_BACKEND_VIRTIO), 0);
}

/*
 * aeration= is a preference, whatever order backends arrive in: a later
 * one that comes first in the list takes over, and when the active one
 * goes the next one offered comes back.
 */
static void aeration_test_preference(struct kunit *test)
{
	static struct aer_backend v, h;
	struct aer_policy saved = aeration_policy;
	static const enum aer_backend_id orders[2][2] = {
		{ AER_BACKEND_HYPERV, AER_BACKEND_VIRTIO },
		{ AER_BACKEND_VIRTIO, AER_BACKEND_HYPERV },
	};
	struct aer_backend *first, *second;
	int i;

	aeration_deactivate(&kt_backend);
	v = kt_backend;
	h = kt_backend;
	h.id = AER_BACKEND_HYPERV;
	for (i = 0; i < 2; i++) {
		aeration_policy = (struct aer_policy){ .nr = 2 };
		aeration_policy.pref[0] = orders[i][0];
		aeration_policy.pref[1] = orders[i][1];
		first = orders[i][0] == AER_BACKEND_HYPERV ? &h : &v;
		second = first == &h ? &v : &h;
		/* The less preferred one arrives first, as a driver might. */
		aeration_register(second);
		KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(aeration_engine.backend), second);
		aeration_register(first);
		KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(aeration_engine.backend), first);
		aeration_unregister(first);
		KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(aeration_engine.backend), second);
		aeration_register(first);
		KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(aeration_engine.backend), first);
		aeration_unregister(second);
		KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(aeration_engine.backend), first);
		aeration_unregister(first);
		KUNIT_EXPECT_NULL(test, READ_ONCE(aeration_engine.backend));
	}
	/* An opt-in backend (a Xen dom0's): never by auto, when named yes. */
	v.opt_in = true;
	aer_policy_parse(&aeration_policy, "auto");
	aeration_register(&v);
	KUNIT_EXPECT_NULL(test, READ_ONCE(aeration_engine.backend));
	aer_policy_parse(&aeration_policy, "virtio");
	aeration_register(&v);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(aeration_engine.backend), &v);
	aeration_unregister(&v);
	aeration_policy = saved;
	KUNIT_EXPECT_EQ(test, kt_count_marked(), 0UL);
}

/*
 * A preferred backend arrives while the active reclaim backend cannot get
 * its frames back: it waits, nothing else takes over, and it starts once
 * the frames are back.
 */
static void aeration_test_preference_waits(struct kunit *test)
{
	static struct aer_backend v, h;
	struct aer_policy saved = aeration_policy;
	int i;

	aeration_deactivate(&kt_backend);
	v = kt_backend;
	v.reclaim = kt_reclaim;
	h = kt_backend;
	h.id = AER_BACKEND_HYPERV;
	aeration_policy = (struct aer_policy){ .nr = 2 };
	aeration_policy.pref[0] = AER_BACKEND_HYPERV;
	aeration_policy.pref[1] = AER_BACKEND_VIRTIO;
	aeration_register(&v);
	KUNIT_ASSERT_PTR_EQ(test, READ_ONCE(aeration_engine.backend), &v);
	kt_run_until_idle();
	KUNIT_ASSERT_GT(test, kt.nr_gone, 0U);

	WRITE_ONCE(aeration_engine.fail_reclaim_every, 1);
	aeration_register(&h);
	KUNIT_EXPECT_NULL(test, READ_ONCE(aeration_engine.backend));
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(aeration_engine.reclaimer), &v);

	WRITE_ONCE(aeration_engine.fail_reclaim_every, 0);
	kt_retry_held_now();
	for (i = 0; i < 50 && READ_ONCE(aeration_engine.backend) != &h; i++)
		msleep(100);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(aeration_engine.backend), &h);
	KUNIT_EXPECT_EQ(test, kt.nr_gone, 0U);
	aeration_unregister(&v);
	aeration_unregister(&h);
	KUNIT_EXPECT_NULL(test, READ_ONCE(aeration_engine.backend));
	aeration_policy = saved;
}

static int kt_prdev_report(struct page_reporting_dev_info *prdev,
			   struct scatterlist *sg, unsigned int nents)
{
	kt.prdev_blocks += nents;
	return 0;
}

/*
 * hv_balloon's page reporting is the hv_balloon backend, not virtio:
 * aeration= names it apart, and while hyperv (here the test backend under
 * that id) is active its report() is never called, so no range is hinted
 * twice; when hyperv goes, hv_balloon takes over.
 */
static void aeration_test_hv_balloon_named(struct kunit *test)
{
	static struct page_reporting_dev_info prdev = {
		.report = kt_prdev_report,
		.name = "hv_balloon",
	};
	static struct aer_backend h;
	struct aer_policy saved = aeration_policy;
	struct aer_backend *b;
	int err;

	if (!IS_ENABLED(CONFIG_AERATION_VIRTIO))
		kunit_skip(test, "no page reporting backend (CONFIG_AERATION_VIRTIO=n)");
	aeration_deactivate(&kt_backend);
	h = kt_backend;
	h.id = AER_BACKEND_HYPERV;

	aer_policy_parse(&aeration_policy, "virtio");
	err = page_reporting_register(&prdev);
	if (err == -EBUSY) {
		aeration_policy = saved;
		kunit_skip(test, "a balloon driver has page reporting: boot without one");
	}
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_NULL(test, READ_ONCE(aeration_engine.backend));
	page_reporting_unregister(&prdev);

	aer_policy_parse(&aeration_policy, "hyperv,hv_balloon");
	aeration_register(&h);
	KUNIT_ASSERT_EQ(test, page_reporting_register(&prdev), 0);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(aeration_engine.backend), &h);
	kt_run_until_idle();
	KUNIT_EXPECT_GT(test, kt.blocks, 0UL);
	KUNIT_EXPECT_EQ(test, kt.prdev_blocks, 0UL);

	aeration_unregister(&h);
	b = READ_ONCE(aeration_engine.backend);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_STREQ(test, aer_backend_name(b->id), "hv_balloon");
	kt_run_until_idle();
	KUNIT_EXPECT_GT(test, kt.prdev_blocks, 0UL);
	page_reporting_unregister(&prdev);
	KUNIT_EXPECT_NULL(test, READ_ONCE(aeration_engine.backend));
	aeration_policy = saved;
	KUNIT_EXPECT_EQ(test, kt_count_marked(), 0UL);
}
