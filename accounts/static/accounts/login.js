/* 登录页：Element Plus 外观，表单以普通 POST 提交给 Django 的 LoginView。 */
(function () {
  const el = document.getElementById("login-username");
  const app = Vue.createApp({
    data: () => ({ username: el ? JSON.parse(el.textContent) : "", password: "", submitting: false }),
  });
  app.config.compilerOptions.delimiters = ["[[", "]]"];
  app.use(ElementPlus, { locale: window.ElementPlusLocaleZhCn });
  for (const [name, component] of Object.entries(window.ElementPlusIconsVue || {})) app.component("Icon" + name, component);
  app.mount("#login");
})();
