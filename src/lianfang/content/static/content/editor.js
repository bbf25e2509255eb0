// The rich-text editor of the content pages (django-prose-editor, served from its own static
// files). The package's presets find editor.js through an import map, an inline script that
// the platform's CSP forbids; this module imports it by path and builds the same editor, with
// Tiptap's injected <style> turned off (its rules are in editor.css): the CSP refuses it too.
import {
  Blockquote,
  Bold,
  BulletList,
  Document,
  Dropcursor,
  Editor,
  Extension,
  Gapcursor,
  HardBreak,
  Heading,
  History,
  HorizontalRule,
  Image,
  Italic,
  Link,
  ListItem,
  Menu,
  NoSpellCheck,
  OrderedList,
  Paragraph,
  Strike,
  Subscript,
  Superscript,
  Table,
  TableCell,
  TableHeader,
  TableRow,
  Text,
  Underline,
  crel,
  initializeEditors,
} from "../django_prose_editor/editor.js";

const MARKER = "data-django-prose-editor-default";
const UPLOAD = "data-image-upload";

// The image button: picks a JPEG or PNG, sends it to the article's upload address (the
// server re-encodes it and checks its size and pixels), then inserts the image it answers
// with. Shown only where the article is saved (the textarea names the address).
const ImageUpload = Extension.create({
  name: "imageUpload",
  addOptions() {
    return { url: null, csrf: "" };
  },
  addMenuItems({ menu, buttons }) {
    const { url, csrf } = this.options;
    menu.defineItem({
      name: "imageUpload",
      groups: "link",
      button: buttons.material("image", "插入图片"),
      command(editor) {
        const input = crel("input", { type: "file", accept: ".jpg,.jpeg,.png" });
        input.addEventListener("change", async () => {
          const file = input.files[0];
          if (!file) return;
          const body = new FormData();
          body.append("image", file);
          let answer;
          try {
            const response = await fetch(url, {
              method: "POST",
              body,
              headers: { "X-CSRFToken": csrf },
              credentials: "same-origin",
            });
            answer = await response.json();
          } catch {
            answer = { error: "图片上传失败，请稍后重试。" };
          }
          if (answer.url) {
            editor.chain().focus().setImage({ src: answer.url, alt: "" }).run();
          } else {
            window.alert(answer.error || "图片上传失败。");
          }
        });
        input.click();
      },
    });
  },
});

function create(textarea) {
  if (textarea.closest(".prose-editor")) return null;
  const config = JSON.parse(textarea.getAttribute(MARKER));
  const types = config.types || [];
  const has = (name) => types.includes(name);
  const extensions = [
    Document,
    Dropcursor,
    Gapcursor,
    Paragraph,
    HardBreak,
    Text,
    config.history && History,
    Menu,
    NoSpellCheck,
    has("Blockquote") && Blockquote,
    has("Bold") && Bold,
    has("BulletList") && BulletList,
    has("Heading") && Heading.configure({ levels: config.headingLevels || [2, 3, 4] }),
    has("HorizontalRule") && HorizontalRule,
    has("Italic") && Italic,
    has("Link") && Link,
    (has("BulletList") || has("OrderedList")) && ListItem,
    has("OrderedList") && OrderedList,
    has("Strike") && Strike,
    has("Subscript") && Subscript,
    has("Superscript") && Superscript,
    has("Underline") && Underline,
    has("Table") && Table,
    has("Table") && TableRow,
    has("Table") && TableHeader,
    has("Table") && TableCell,
  ].filter(Boolean);
  const upload = textarea.getAttribute(UPLOAD);
  if (has("Image") && upload) {
    const token = textarea.form?.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
    extensions.push(Image, ImageUpload.configure({ url: upload, csrf: token }));
  } else if (has("Image")) {
    extensions.push(Image); // shows the body's images; uploading waits for the first save
  }
  return textareaEditor(textarea, extensions);
}

// django-prose-editor's createTextareaEditor, with injectCSS off.
function textareaEditor(textarea, extensions) {
  const disabled = textarea.hasAttribute("disabled");
  const wrapper = crel("div", { className: `prose-editor ${disabled ? "disabled" : ""}` });
  textarea.before(wrapper);
  wrapper.append(textarea);
  return new Editor({
    element: wrapper,
    editable: !disabled,
    extensions,
    content: textarea.value,
    injectCSS: false,
    onUpdate({ editor }) {
      const html = editor.getHTML();
      textarea.value = /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    },
    onDestroy() {
      wrapper.before(textarea);
      wrapper.remove();
    },
  });
}

initializeEditors(create, `[${MARKER}]`);
