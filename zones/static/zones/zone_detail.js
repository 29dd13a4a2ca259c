/* 工作区详情：工作区、党委、五办、在岗下沉干部、党建指导员、预警（GET /api/zones/<id>/flags/）。
   可写的用户在此编辑工作区、归档/恢复它，并增改删党委成员、办公室、下沉干部、党建指导员（RecordForm 对话框）。 */
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
      can: { workzone: false, committeemember: false, zoneoffice: false, sunkcadreposting: false, partyinstructor: false },
      townLevel: false,
      // one RecordForm at a time: which kind, the row being edited (null: a new one), and the values of a new one
      form: { open: false, kind: "committee", record: null, initial: {} },
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
    archived() {
      return !!this.zone.archived_at;
    },
    missingOfficeKinds() {
      const have = new Set(this.offices.map((o) => o.kind));
      return (Platform.choices.office_kind || []).filter((c) => !have.has(c.value));
    },
    /** The forms of the page: url, titles and fields of each kind of record. */
    forms() {
      const zoneId = this.id;
      const zoneField = {
        name: "zone", label: "工作区", type: "remote", required: true,
        remote: { url: "/api/zones/", label: (z) => z.name + "（" + z.town_name + "）" },
        initialLabel: () => this.zone.name,
        help: "只能选您管辖的工作区。",
      };
      return {
        zone: {
          url: "/api/zones/", name: "工作区",
          fields: [
            { name: "name", label: "名称", type: "text", required: true, maxlength: 50 },
            { name: "brand", label: "党建品牌", type: "text", maxlength: 50 },
          ],
        },
        committee: {
          url: "/api/committee-members/", name: "党委成员",
          fields: [
            { name: "name", label: "姓名", type: "text", required: true, maxlength: 50 },
            { name: "role", label: "职务", type: "select", choices: "committee_role", required: true },
            { name: "origin", label: "来源", type: "select", choices: "committee_origin", required: true,
              help: "兼职委员来自村党组织书记、企业或社会组织党组织书记。" },
            { name: "organisation", label: "所在单位", type: "text", maxlength: 100 },
          ],
          initial: { zone: zoneId, role: "member", origin: "town_cadre", organisation: "" },
          body: (data) => Object.assign({ zone: zoneId }, data),
        },
        office: {
          url: "/api/zone-offices/", name: "办公室",
          fields: [
            { name: "kind", label: "办公室", type: "select", required: true, readonlyOnEdit: true,
              options: () => (this.form.record ? Platform.choices.office_kind || [] : this.missingOfficeKinds) },
            { name: "head_name", label: "负责人", type: "text", maxlength: 50 },
            { name: "duties", label: "职责", type: "textarea" },
          ],
          initial: { head_name: "", duties: "" },
          body: (data) => (this.form.record ? data : Object.assign({ zone: zoneId }, data)),
        },
        cadre: {
          url: "/api/sunk-cadres/", name: "下沉干部",
          fields: [
            { name: "name", label: "姓名", type: "text", required: true, maxlength: 50 },
            { name: "home_unit", label: "派出单位", type: "text", maxlength: 100 },
            zoneField,
            { name: "office", label: "所在办公室", type: "remote",
              remote: { url: "/api/zone-offices/", label: (o) => o.kind_display, params: (form) => ({ zone: form.zone || zoneId }) },
              initialLabel: (r) => r.office_name },
            { name: "start_date", label: "下沉日期", type: "date", required: true },
            { name: "end_date", label: "结束日期", type: "date", help: "不填表示仍在岗。" },
          ],
          initial: { zone: zoneId, home_unit: "", start_date: Platform.formatDate(new Date()) },
        },
        instructor: {
          url: "/api/instructors/", name: "党建指导员",
          fields: [
            { name: "village", label: "村/社区", type: "remote", required: true,
              remote: { url: "/api/villages/", label: (v) => v.name, params: { zone: zoneId } },
              initialLabel: (r) => r.village_name },
            { name: "cadre", label: "下沉干部", type: "remote", required: true,
              remote: { url: "/api/sunk-cadres/", label: (c) => c.name + (c.home_unit ? "（" + c.home_unit + "）" : ""),
                        params: { zone: zoneId, current: true } },
              initialLabel: (r) => r.cadre_name, help: "党建指导员由本工作区在岗的下沉干部担任。" },
            { name: "start_date", label: "开始日期", type: "date", required: true },
            { name: "end_date", label: "结束日期", type: "date", help: "不填表示仍在任。" },
            { name: "days_per_week", label: "每周驻村天数", type: "number", min: 1, max: 7, required: true },
          ],
          initial: { days_per_week: 3, start_date: Platform.formatDate(new Date()) },
        },
      };
    },
    currentForm() {
      return this.forms[this.form.kind];
    },
    formTitle() {
      return (this.form.record ? "编辑" : "新增") + this.currentForm.name;
    },
  },
  async mounted() {
    try {
      this.zone = await Platform.api.get("/api/zones/" + this.id + "/");
    } catch (e) {
      this.failed = e.message;
      return;
    }
    Platform.writableMap(Object.keys(this.can)).then((map) => { this.can = map; });
    Platform.me().then((who) => {
      this.townLevel = (who.assignments || []).some(
        (a) => (a.role === "district_admin" || a.role === "town_staff") && (a.level === null || a.level === "town"));
    });
    await this.reload();
  },
  methods: {
    async reload() {
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
      this.flagsLoading = true;
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
    back() {
      this.backTo("/zones/");
    },
    /** Open the form of `kind` for `record` (null: a new one; `initial` adds values to the kind's own). */
    openForm(kind, record, initial) {
      this.form = { open: true, kind, record: record || null, initial: Object.assign({}, this.forms[kind].initial, initial) };
    },
    async onSaved(saved) {
      if (this.form.kind === "zone") this.zone = saved;
      else await this.reload();
    },
    /** Delete a row of the zone (committee member, office, posting, instructor): these are not archived. */
    async remove(kind, row, label) {
      const spec = this.forms[kind];
      try {
        await ElementPlus.ElMessageBox.confirm("删除" + spec.name + "「" + label + "」？变更记录仍保留。", "确认删除",
          { confirmButtonText: "删除", cancelButtonText: "取消", type: "warning" });
      } catch (e) {
        return;
      }
      try {
        await Platform.api.delete(spec.url + row.id + "/");
      } catch (e) {
        return;
      }
      ElementPlus.ElMessage({ type: "success", message: "已删除：" + label });
      await this.reload();
    },
    async archiveZone() {
      if (await Platform.archiveRecord("/api/zones/" + this.id + "/", this.zone.name)) {
        this.zone = await Platform.api.get("/api/zones/" + this.id + "/");
      }
    },
    async restoreZone() {
      if (await Platform.restoreRecord("/api/zones/" + this.id + "/", this.zone.name)) {
        this.zone = await Platform.api.get("/api/zones/" + this.id + "/");
      }
    },
  },
});
