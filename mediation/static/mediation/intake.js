/* 受理登记：POST /api/dispute-cases/，成功后打开案件详情；字段错误显示在对应项下。 */
function emptyParty(role) {
  return { role: role || "applicant", name: "", phone: "", id_number: "", address: "" };
}

Platform.page({
  data() {
    return {
      villages: [],
      saving: false,
      errors: {},
      form: {
        village: null, source: "walk_in", category: null, urgency: "normal", title: "", description: "",
        parties: [emptyParty("applicant"), emptyParty("respondent")],
      },
    };
  },
  async mounted() {
    this.villages = await Platform.api.all("/api/villages/").catch(() => []);
    if (this.villages.length === 1) this.form.village = this.villages[0].id;
  },
  methods: {
    addParty() {
      this.form.parties.push(emptyParty("respondent"));
    },
    async submit() {
      this.saving = true;
      this.errors = {};
      const body = Object.assign({}, this.form, { parties: this.form.parties.filter((p) => p.name.trim() || p.phone.trim()) });
      try {
        const created = await Platform.api.post("/api/dispute-cases/", body, { quiet: true });
        ElementPlus.ElMessage({ type: "success", message: "已受理：" + created.number });
        window.location.href = "/mediation/cases/" + created.id + "/";
      } catch (e) {
        if (e.status === 400 && e.data && typeof e.data === "object") {
          for (const [key, value] of Object.entries(e.data)) this.errors[key] = [].concat(value).join("；");
        }
        Platform.showError(e);
      } finally {
        this.saving = false;
      }
    },
    cancel() {
      window.location.href = "/mediation/";
    },
  },
});
