/* 我的账号：角色（/api/me/，由页面框架加载）、API 令牌 GET /api/me/tokens/，撤销 POST /api/me/tokens/revoke/。 */
(function () {
  "use strict";

  Platform.page({
    data: () => ({ tokens: [], tokensLoading: false }),
    mounted() {
      this.loadTokens();
    },
    methods: {
      async loadTokens() {
        await Platform.busy(this, "tokensLoading", async () => {
          this.tokens = await Platform.api.get("/api/me/tokens/");
        });
      },
      async revokeToken(row) {
        try {
          await ElementPlus.ElMessageBox.confirm("撤销令牌 " + row.token_key + "？使用它的程序将无法再访问平台。", "撤销令牌",
            { type: "warning", confirmButtonText: "撤销", cancelButtonText: "取消" });
        } catch (e) {
          return;
        }
        const done = await Platform.api.post("/api/me/tokens/revoke/", { token_key: row.token_key }).then(() => true, () => false);
        if (done) {
          ElementPlus.ElMessage({ type: "success", message: "令牌已撤销。" });
          this.loadTokens();
        }
      },
    },
  });
})();
