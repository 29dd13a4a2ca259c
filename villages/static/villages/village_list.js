/* 村/社区：GET /api/villages/（分页、筛选）；选中一个村，维护其两委干部与第一书记（/api/village-cadres/）、
 * 自然村（/api/natural-villages/）、微网格（/api/grids/）。新增、编辑用 <record-form>，归档/恢复逐行；
 * 按钮只在 /api/me/ 的 writable 允许时出现。 */
(function () {
  "use strict";

  const URLS = { village: "/api/villages/", cadre: "/api/village-cadres/", nv: "/api/natural-villages/", grid: "/api/grids/" };
  const NAMES = { village: "村/社区", cadre: "干部", nv: "自然村", grid: "网格" };
  const MANAGERS = ["district_admin", "town_staff", "zone_committee"]; // accounts.users.MANAGER_ROLES
  const userLabel = (u) => (u.display_name ? u.display_name + "（" + u.username + "）" : u.username);

  Platform.page({
    mixins: [
      Platform.listMixin({
        url: "/api/villages/",
        filters: { q: "", zone: null, kind: null, archived: "" },
        numeric: ["zone"],
        detail: (row) => "/villages/",
      }),
    ],
    data() {
      return {
        zones: [], writable: {}, canPickUsers: false,
        selected: null, panelArchived: false, panelLoading: false, cadres: [], naturalVillages: [], grids: [],
        activeNvs: [],
        formOpen: false, form: { title: "", url: URLS.village, record: null, fields: [], initial: {}, kind: "village", body: null },
      };
    },
    async created() {
      this.writable = await Platform.writableMap(["workzone", "village", "villagecadre", "naturalvillage", "microgrid"]);
      // accounts (a cadre's or grid worker's login) are listed for the managers of accounts only (/api/users/)
      const who = await Platform.me();
      this.canPickUsers = (who.assignments || []).some((a) => MANAGERS.includes(a.role));
    },
    mounted() {
      Platform.api.all("/api/zones/").then((rows) => (this.zones = rows), () => (this.zones = []));
    },
    methods: {
      onArchivedChange() {
        this.selected = null;
        this.search();
      },
      /** A row of the list: show its cadres, natural villages and grids below. */
      open(row) {
        this.selected = row;
        this.loadPanel();
        this.$nextTick(() => {
          const panel = document.querySelector("[data-testid=village-panel]");
          if (panel && panel.scrollIntoView) panel.scrollIntoView({ behavior: "smooth", block: "start" });
        });
      },
      async loadPanel() {
        if (!this.selected) return;
        const params = { village: this.selected.id, archived: this.panelArchived ? "true" : undefined };
        await this.busy("panelLoading", async () => {
          const active = { village: this.selected.id };
          const [cadres, nvs, grids] = await Promise.all([
            Platform.api.all(URLS.cadre, params), Platform.api.all(URLS.nv, active), Platform.api.all(URLS.grid, params),
          ]);
          // archived natural villages are listed with the active ones when asked for (a grid form needs the active ones)
          const archivedNvs = this.panelArchived ? await Platform.api.all(URLS.nv, params) : null;
          this.cadres = cadres;
          this.activeNvs = nvs;
          this.naturalVillages = archivedNvs || nvs;
          this.grids = grids;
        });
      },
      fieldsFor(kind, record) {
        const users = { url: "/api/users/", label: userLabel };
        if (kind === "village") {
          return [
            { name: "name", label: "名称", required: true, maxlength: 50 },
            { name: "kind", label: "类型", type: "select", choices: "village_kind", required: true },
            {
              name: "zone", label: "所属工作区", type: "select", required: true, readonlyOnEdit: true,
              options: this.zones.map((z) => ({ value: z.id, label: z.name })),
              help: record ? "迁移到其他工作区请在“层级结构”中操作" : "只列出您管辖范围内的工作区",
            },
          ];
        }
        if (kind === "cadre") {
          return [
            { name: "name", label: "姓名", required: true, maxlength: 50 },
            { name: "role", label: "职务", type: "select", choices: "cadre_role", required: true },
            { name: "start_date", label: "任职日期", type: "date" },
            {
              name: "user", label: "平台账号（可不填）", type: "remote", remote: users, visible: () => this.canPickUsers,
              initialLabel: () => null,
            },
          ];
        }
        if (kind === "nv") {
          return [{ name: "name", label: "名称", required: true, maxlength: 50 }];
        }
        return [
          {
            name: "natural_village", label: "所属自然村", type: "select", required: true, readonlyOnEdit: true,
            options: this.activeNvs.map((nv) => ({ value: nv.id, label: nv.name })),
          },
          { name: "name", label: "名称", required: true, maxlength: 50 },
          { name: "worker_name", label: "网格员姓名", maxlength: 50 },
          {
            name: "worker_user", label: "网格员账号（可不填）", type: "remote", remote: users, visible: () => this.canPickUsers,
            initialLabel: () => null,
          },
        ];
      },
      openForm(kind, record) {
        const name = NAMES[kind];
        const village = this.selected ? this.selected.id : null;
        const initial = kind === "village" ? { kind: "village", zone: this.zones.length === 1 ? this.zones[0].id : null }
          : kind === "grid" ? { natural_village: this.activeNvs.length ? this.activeNvs[0].id : null } : {};
        this.form = {
          kind, url: URLS[kind], record, initial,
          title: (record ? "编辑" : "新增") + name + (record ? "：" + record.name : kind === "village" ? "" : "（" + this.selected.name + "）"),
          fields: this.fieldsFor(kind, record),
        };
        // a cadre's or natural village's village is the one shown: sent with a new record, not chosen in the form
        const withVillage = (kind === "cadre" || kind === "nv") && !record;
        const texts = this.form.fields.filter((f) => !f.type || f.type === "text").map((f) => f.name);
        this.form.body = (data) => {
          for (const name of texts) if (data[name] == null) data[name] = ""; // “不能为空”, not “null”
          return withVillage ? Object.assign(data, { village }) : data;
        };
        this.formOpen = true;
      },
      async onSaved(row) {
        if (this.form.kind === "village") {
          await this.load();
          if (this.selected && row && row.id === this.selected.id) this.selected = row;
        } else {
          await this.loadPanel();
        }
      },
      async archive(kind, row) {
        if (!(await Platform.archiveRecord(URLS[kind] + row.id + "/", row.name))) return;
        if (kind === "village") {
          if (this.selected && this.selected.id === row.id) this.selected = null;
          this.load();
        } else this.loadPanel();
      },
      async restore(kind, row) {
        if (!(await Platform.restoreRecord(URLS[kind] + row.id + "/", row.name))) return;
        if (kind === "village") {
          if (this.selected && this.selected.id === row.id) this.selected = null;
          this.load();
        } else this.loadPanel();
      },
    },
  });
})();
