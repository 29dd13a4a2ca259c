/* 工作区详情：工作区、党委、五办、在岗下沉干部、党建指导员、预警（GET /api/zones/<id>/flags/）。 */
Platform.page({
  data() {
    return {
      id: Platform.pageData.id,
      minCadres: Platform.pageData.min_cadres,
      zone: {},
      failed: "",
      flags: null,
      flagsLoading: true,
      committee: [],
      offices: [],
      cadres: [],
      instructors: [],
      villages: [],
      loading: { committee: true, offices: true, cadres: true, villages: true },
    };
  },
  computed: {
    stats() {
      const sum = (key) => this.villages.reduce((n, v) => n + (v[key] || 0), 0);
      return [
        { label: "村/社区", value: this.formatNumber(this.villages.length), icon: "School", bg: "#fff4e5", fg: "#e86f12" },
        { label: "户", value: this.formatNumber(sum("households")), icon: "House", bg: "#e8f6ee", fg: "#2e9d57" },
        { label: "红色户", value: this.formatNumber(sum("red")), icon: "WarningFilled", bg: "#fcebec", fg: "#d9363e" },
        { label: "橙色户", value: this.formatNumber(sum("orange")), icon: "Warning", bg: "#fdeee2", fg: "#e86f12" },
        { label: "在岗下沉干部", value: this.formatNumber(this.cadres.length), icon: "Avatar", bg: "#e8f3ff", fg: "#1677ff" },
      ];
    },
  },
  async mounted() {
    try {
      this.zone = await Platform.api.get("/api/zones/" + this.id + "/");
    } catch (e) {
      this.failed = e.message;
      return;
    }
    const zone = { zone: this.id };
    const section = async (key, promise) => {
      try {
        return await promise;
      } catch (e) {
        return [];
      } finally {
        if (key) this.loading[key] = false;
      }
    };
    Platform.api.get("/api/zones/" + this.id + "/flags/")
      .then((flags) => { this.flags = flags; })
      .catch(() => {})
      .finally(() => { this.flagsLoading = false; });
    let committee, offices;
    [committee, offices, this.cadres, this.instructors, this.villages] = await Promise.all([
      section("committee", Platform.api.all("/api/committee-members/", zone)),
      section("offices", Platform.api.all("/api/zone-offices/", zone)),
      section("cadres", Platform.api.all("/api/sunk-cadres/", { zone: this.id, current: true })),
      section(null, Platform.api.all("/api/instructors/", zone)),
      section("villages", Platform.api.get("/api/tree/", { level: "village", parent: this.id })),
    ]);
    // in the order of the choices (书记 first; the five offices in their usual order), not by code
    this.committee = this.byChoice(committee, "role", "committee_role");
    this.offices = this.byChoice(offices, "kind", "office_kind");
  },
  methods: {
    byChoice(rows, field, kind) {
      const order = (Platform.choices[kind] || []).map((c) => c.value);
      return rows.slice().sort((a, b) => order.indexOf(a[field]) - order.indexOf(b[field]) || a.id - b.id);
    },
    roleTag(role) {
      return { secretary: "danger", deputy: "warning", member: "primary", part_time: "info" }[role] || "info";
    },
    cadresIn(officeId) {
      return this.cadres.filter((c) => c.office === officeId).length;
    },
    instructorsOf(villageId) {
      return this.instructors.filter((i) => i.village === villageId);
    },
    withoutInstructor(villageId) {
      return !!(this.flags && this.flags.villages_without_instructor.some((v) => v.id === villageId));
    },
    goHouseholds() {
      window.location.href = "/households/?zone=" + this.id;
    },
  },
});
