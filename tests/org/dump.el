;;; dump.el --- what Emacs' own org parser sees in each note, as JSON  -*- lexical-binding: t -*-

;; Usage: emacs -Q --batch -l dump.el OUT.json FILE...
;; Writes one JSON object: file name -> {todo_keywords, done_keywords,
;; headlines, checkboxes}, in the shape of leadnotes' core.parse_org, read
;; with org-element (org-element-parse-buffer, org-element-map over
;; headlines and items). compare.lua checks leadnotes against it.

(require 'org)
(require 'org-element)
(require 'json)
(require 'subr-x)

(defun leadnotes-dump--line (pos)
  (save-excursion (goto-char pos) (line-number-at-pos)))

(defun leadnotes-dump--ts (ts)
  (and ts (org-element-property :raw-value ts)))

(defun leadnotes-dump--properties (headline)
  "The node properties of HEADLINE's property drawer, in order."
  (let ((section (car (org-element-contents headline)))
        (props nil))
    (when (eq (org-element-type section) 'section)
      (let ((drawer (seq-find (lambda (e) (eq (org-element-type e) 'property-drawer))
                              (seq-take (org-element-contents section) 2))))
        (when drawer
          (dolist (p (org-element-contents drawer))
            (when (eq (org-element-type p) 'node-property)
              (push (vector (org-element-property :key p)
                            (or (org-element-property :value p) ""))
                    props))))))
    (vconcat (nreverse props))))

(defun leadnotes-dump--headline (h)
  (let ((todo-type (org-element-property :todo-type h))
        (priority (org-element-property :priority h)))
    (list (cons "line" (leadnotes-dump--line (org-element-property :begin h)))
          (cons "level" (org-element-property :level h))
          (cons "title" (org-element-property :raw-value h))
          (cons "todo" (org-element-property :todo-keyword h))
          (cons "todo_type" (and todo-type (symbol-name todo-type)))
          (cons "priority" (and priority (char-to-string priority)))
          (cons "tags" (vconcat (mapcar #'substring-no-properties
                                        (org-element-property :tags h))))
          (cons "scheduled" (leadnotes-dump--ts (org-element-property :scheduled h)))
          (cons "deadline" (leadnotes-dump--ts (org-element-property :deadline h)))
          (cons "closed" (leadnotes-dump--ts (org-element-property :closed h)))
          (cons "properties" (leadnotes-dump--properties h))
          (cons "comment" (if (org-element-property :commentedp h) t :json-false)))))

(defun leadnotes-dump--item (item)
  (let* ((begin (org-element-property :begin item))
         (parent (org-element-lineage item '(headline)))
         (text (save-excursion
                 (goto-char begin)
                 (let ((case-fold-search t))
                   (looking-at org-list-full-item-re))
                 (string-trim (buffer-substring-no-properties
                               (match-end 3) (line-end-position))))))
    (list (cons "line" (leadnotes-dump--line begin))
          (cons "state" (symbol-name (org-element-property :checkbox item)))
          (cons "text" text)
          (cons "heading_line" (and parent (leadnotes-dump--line
                                            (org-element-property :begin parent)))))))

(defun leadnotes-dump--file (file)
  (with-temp-buffer
    (let ((coding-system-for-read 'utf-8))
      (insert-file-contents file))
    (org-mode)
    (let* ((tree (org-element-parse-buffer))
           (headlines (org-element-map tree 'headline #'leadnotes-dump--headline))
           (items (org-element-map tree 'item
                    (lambda (i) (and (org-element-property :checkbox i)
                                     (leadnotes-dump--item i))))))
      (list (cons "todo_keywords" (vconcat (delete-dups (copy-sequence org-not-done-keywords))))
            (cons "done_keywords" (vconcat (delete-dups (copy-sequence org-done-keywords))))
            (cons "headlines" (vconcat headlines))
            (cons "checkboxes" (vconcat items))))))

(let* ((out (car command-line-args-left))
       (files (cdr command-line-args-left))
       (result (mapcar (lambda (f)
                         (cons (file-name-nondirectory f)
                               ;; org-element itself fails on some input
                               ;; (a timestamp it cannot read): say so.
                               (condition-case e (leadnotes-dump--file f)
                                 (error (list (cons "error" (error-message-string e)))))))
                       files)))
  (setq command-line-args-left nil)
  (with-temp-file out
    (setq buffer-file-coding-system 'utf-8-unix)
    (insert (json-encode result))
    (insert "\n")))
